"""Scans stacks in parallel with a bounded pool; each stack's events become its result in drift.stream.

Each stack runs in its own `pulumi` process (the Automation API shells out), so threads are enough; the
pool size bounds how many engines, and provider plugins, run at once. A failure in one stack never stops
the others and is reported for that stack only.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional, Protocol, Sequence

from drift import stream
from drift.engine import EngineFailure
from drift.events import EventCollector
from drift.model import StackResult

MAX_PARALLEL = 16


class Engine(Protocol):
    """What the scan needs from the engine (drift.engine.AutomationEngine; fakes in tests). Each command hands
    every event of its event log to `on_event` (also when it fails) and raises EngineFailure on failure."""

    def list_stacks(self) -> Sequence[str]: ...

    def refresh_preview(self, stack_name: str, on_event: Callable) -> None: ...

    def pending_preview(self, stack_name: str, on_event: Callable) -> None: ...


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
    result = stream.refresh_result(stack_name, refresh, _run(engine.refresh_preview, stack_name, refresh))
    if not include_pending or result.failure is not None:
        return result
    preview = EventCollector()
    return stream.with_pending(result, preview, _run(engine.pending_preview, stack_name, preview))


def _run(command: Callable, stack_name: str, collector: EventCollector) -> Optional[EngineFailure]:
    try:
        command(stack_name, collector)
    except EngineFailure as failure:
        return failure
    return None
