"""Collects one stack's engine events (the Automation API's `on_event` callback) into steps and diagnostics.

Which event tells what (pkg/engine/plan.go previewActions, pulumi 3.x): a ResourcePreEvent announces a step
before it runs, so during a refresh preview it says op "refresh" and has no diff yet; the ResOutputsEvent
that follows carries the refresh's result op ("same", "update", "delete") with the detailed diff and the
old and refreshed state. For each URN the outputs events therefore win over the pre-events; a step that
only has a pre-event (its read failed) is kept as announced and changes nothing.
"""

from __future__ import annotations

from typing import Mapping, Optional

from pulumi.automation import events as auto_events

from drift import values
from drift.model import Diagnostic
from drift.steps import Step, step_from_event

_REPORTED_SEVERITIES = ("error", "warning")


class EventCollector:
    """An `on_event` callback for one command of one stack. Call it with each EngineEvent."""

    def __init__(self) -> None:
        self._announced: dict[str, list[Step]] = {}
        self._finished: dict[str, list[Step]] = {}
        self._diagnostics: list[Diagnostic] = []
        self._change_summary: Optional[Mapping[str, int]] = None

    def __call__(self, event: auto_events.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            step = step_from_event(event.resource_pre_event.metadata)
            self._announced.setdefault(step.urn, []).append(step)
        if event.res_outputs_event is not None:
            step = step_from_event(event.res_outputs_event.metadata)
            self._finished.setdefault(step.urn, []).append(step)
        if event.diagnostic_event is not None:
            self._add_diagnostic(event.diagnostic_event)
        if event.summary_event is not None and self._change_summary is None:
            self._change_summary = {
                str(getattr(op, "value", op)): count
                for op, count in event.summary_event.resource_changes.items()
            }

    @property
    def steps(self) -> list[Step]:
        """One list of steps per URN, in first-seen order: the finished steps, else the announced ones."""
        ordered: list[Step] = []
        for urn in dict.fromkeys([*self._announced, *self._finished]):
            ordered.extend(self._finished.get(urn) or self._announced.get(urn, []))
        return ordered

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(self._diagnostics)

    @property
    def change_summary(self) -> Mapping[str, int]:
        return dict(self._change_summary or {})

    def _add_diagnostic(self, event: auto_events.DiagnosticEvent) -> None:
        if event.severity not in _REPORTED_SEVERITIES or event.ephemeral:
            return
        message = values.clean_text(event.message)  # the severity is kept apart; the "error: " prefix is not
        if message:
            self._diagnostics.append(Diagnostic(event.severity, message, event.urn or None))
