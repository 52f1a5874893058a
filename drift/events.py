"""Collects one command's engine events (the lines of `--event-log FILE`) into steps, diagnostics and summary.

Which event tells what (recorded streams in tests/drift/data/engine-events, pkg/engine/plan.go
previewActions): a `resourcePreEvent` announces a step before it runs, so during a refresh it says op
"refresh" with old = new = the recorded state; the `resOutputsEvent` that follows carries the result op
("same", "update", "delete") with the recorded (`old`) and refreshed (`new`) state. One URN can have several
entries in state (a pending-delete copy, `"delete": true`, beside the live one: TestRefreshBasics), so each
outputs event is a step of its own. A step that only has a pre-event (its read failed) changes nothing.

The `summaryEvent` is the engine's own count of result ops; a command that stopped early has none, and a
log without one is never read as "no changes" (drift.stream). Failures are kept apart: error diagnostics,
`resOpFailedEvent`s and a summary whose result is not "succeeded".
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from drift import values
from drift.model import Diagnostic
from drift.steps import Step, step_from_metadata

_REPORTED_SEVERITIES = ("error", "warning")
_SUCCEEDED = "succeeded"  # apitype OperationResultSucceeded


class EventCollector:
    """An event callback for one command of one stack. Call it with each event as a JSON object."""

    def __init__(self) -> None:
        self._announced: dict[str, list[Step]] = {}
        self._finished: list[Step] = []
        self._diagnostics: list[Diagnostic] = []
        self._failed_ops: list[str] = []
        self._summary: Optional[Mapping[str, Any]] = None

    def __call__(self, event: Mapping[str, Any]) -> None:
        pre = _payload(event, "resourcePreEvent")
        if pre is not None:
            step = step_from_metadata(pre.get("metadata") or {})
            self._announced.setdefault(step.urn, []).append(step)
        finished = _payload(event, "resOutputsEvent")
        if finished is not None:
            self._finished.append(step_from_metadata(finished.get("metadata") or {}))
        diagnostic = _payload(event, "diagnosticEvent")
        if diagnostic is not None:
            self._add_diagnostic(diagnostic)
        failed = _payload(event, "resOpFailedEvent")
        if failed is not None:
            urn = str((failed.get("metadata") or {}).get("urn", ""))
            self._failed_ops.append(urn)
        summary = _payload(event, "summaryEvent")
        if summary is not None and self._summary is None:
            self._summary = summary

    @property
    def steps(self) -> list[Step]:
        """The finished steps in the order they finished, then the announced URNs that never finished."""
        done = {step.urn for step in self._finished}
        unfinished = [steps[0] for urn, steps in self._announced.items() if urn not in done]
        return [*self._finished, *unfinished]

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(self._diagnostics)

    @property
    def errors(self) -> list[str]:
        """Error diagnostics: the engine reported a failure, whatever the summary says."""
        return [d.message for d in self._diagnostics if d.severity == "error"]

    @property
    def failed_resources(self) -> tuple[str, ...]:
        return tuple(self._failed_ops)

    @property
    def has_summary(self) -> bool:
        return self._summary is not None

    @property
    def summary_result(self) -> str:
        """The summary's `result` ("succeeded", "failed", "canceled"); older engines write none."""
        return str((self._summary or {}).get("result") or _SUCCEEDED)

    @property
    def change_summary(self) -> dict[str, int]:
        changes = (self._summary or {}).get("resourceChanges") or {}
        return {str(op): int(count) for op, count in changes.items() if isinstance(count, (int, float))}

    def _add_diagnostic(self, event: Mapping[str, Any]) -> None:
        severity = str(event.get("severity", ""))
        if severity not in _REPORTED_SEVERITIES or event.get("ephemeral"):
            return
        message = values.clean_text(str(event.get("message", "")))  # the severity is kept apart
        if message:
            self._diagnostics.append(Diagnostic(severity, message, event.get("urn") or None))


def _payload(event: Mapping[str, Any], key: str) -> Optional[Mapping[str, Any]]:
    payload = event.get(key)
    return payload if isinstance(payload, Mapping) else None
