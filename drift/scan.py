"""Scans stacks in parallel with a bounded pool and turns each stack's events into a StackResult.

Each stack runs in its own `pulumi` process (the Automation API shells out), so threads are enough; the
pool size bounds how many engines, and provider plugins, run at once. A failure in one stack never stops
the others and is reported for that stack only.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Mapping, Protocol, Sequence

from drift import changes
from drift.classify import classify
from drift.engine import EngineFailure
from drift.events import EventCollector
from drift.model import StackResult

MAX_PARALLEL = 16


class Engine(Protocol):
    """What the scan needs from the engine (drift.engine.AutomationEngine; fakes in tests)."""

    def list_stacks(self) -> Sequence[str]: ...

    def refresh_preview(self, stack_name: str, on_event: Callable) -> Mapping[str, int]: ...

    def pending_preview(self, stack_name: str, on_event: Callable) -> Mapping[str, int]: ...


def scan(
    engine: Engine, stack_names: Sequence[str], *, parallel: int, include_pending: bool = False
) -> tuple[StackResult, ...]:
    """One result per stack, in the order asked, running at most `parallel` stacks at once."""
    if not stack_names:
        return ()
    workers = max(1, min(parallel, MAX_PARALLEL, len(stack_names)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="drift") as pool:
        futures = [pool.submit(scan_stack, engine, name, include_pending) for name in stack_names]
        return tuple(future.result() for future in futures)


def scan_stack(engine: Engine, stack_name: str, include_pending: bool = False) -> StackResult:
    """Refresh-preview one stack (and, when asked, preview its pending changes)."""
    refresh = EventCollector()
    try:
        summary = engine.refresh_preview(stack_name, refresh)
    except EngineFailure as failure:
        return StackResult(
            name=stack_name, diagnostics=refresh.diagnostics, failure=classify(failure, _errors(refresh))
        )
    drift, ignored = changes.drift_changes(refresh.steps)
    pending = None
    diagnostics = refresh.diagnostics
    if include_pending:
        preview = EventCollector()
        try:
            engine.pending_preview(stack_name, preview)
        except EngineFailure as failure:
            # The drift found above stays valid, but the stack could not be fully checked: an error.
            return StackResult(
                name=stack_name,
                drift=drift,
                ignored=ignored,
                change_summary=summary or refresh.change_summary,
                diagnostics=diagnostics + preview.diagnostics,
                failure=classify(failure, _errors(preview)),
            )
        pending = changes.pending_changes(preview.steps, drift)
        diagnostics = diagnostics + preview.diagnostics
    return StackResult(
        name=stack_name,
        drift=drift,
        ignored=ignored,
        pending=pending,
        change_summary=summary or refresh.change_summary,
        diagnostics=diagnostics,
    )


def _errors(collector: EventCollector) -> list[str]:
    return [d.message for d in collector.diagnostics if d.severity == "error"]
