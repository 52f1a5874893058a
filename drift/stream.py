"""From one stack's collected engine events to its result: the one code path of scans and event logs.

`python -m drift STACK` (the scan runs the CLI with `--event-log`), `--from-event-log STACK=FILE` and the
offline trial all end here, so they report the same drift with the same exit code.

A stack is drift when the engine's summary counts a change (what makes `--expect-no-changes` exit 7,
drift.exitcodes.counts_changes) or a resource's result op says so. It is an error, never clean, when the
log has no summary (the command stopped early), when the summary's result is not "succeeded", or when the
engine reported an error diagnostic or a failed resource operation.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Optional

from drift import changes, exitcodes, values
from drift.classify import HINTS, classify
from drift.engine import EngineFailure
from drift.events import EventCollector
from drift.model import ErrorCategory, StackFailure, StackResult

NO_SUMMARY = "the engine's event log has no summary event: the command did not finish"


def refresh_result(
    name: str, refresh: EventCollector, failure: Optional[EngineFailure] = None
) -> StackResult:
    """The result of a refresh preview, or its failure (with what the CLI said, when it ran)."""
    problem = failure or _log_failure(refresh)
    if problem is not None:
        return StackResult(name=name, diagnostics=refresh.diagnostics, failure=_failure(problem, refresh))
    drift, ignored = changes.drift_changes(refresh.steps)
    summary = refresh.change_summary
    return StackResult(
        name=name,
        drift=drift,
        ignored=ignored,
        change_summary=summary,
        diagnostics=refresh.diagnostics,
        unnamed=unnamed_changes(summary, len(drift)),
    )


def with_pending(
    result: StackResult, preview: EventCollector, failure: Optional[EngineFailure] = None
) -> StackResult:
    """`result` with the pending changes of `pulumi preview --refresh`, or the preview's failure."""
    if result.failure is not None:
        return result
    diagnostics = result.diagnostics + preview.diagnostics
    problem = failure or _log_failure(preview)
    if problem is not None:
        # The drift found stays valid, but the stack could not be fully checked: an error.
        return dataclasses.replace(result, diagnostics=diagnostics, failure=_failure(problem, preview))
    pending = changes.pending_changes(preview.steps, result.drift)
    return dataclasses.replace(result, diagnostics=diagnostics, pending=pending)


def _log_failure(collector: EventCollector) -> Optional[EngineFailure]:
    if not collector.has_summary:
        return EngineFailure(stderr=NO_SUMMARY)
    reasons = []
    if collector.summary_result != "succeeded":
        reasons.append(f"the engine's summary says the command {collector.summary_result}")
    if collector.failed_resources:
        reasons.append(f"a resource operation failed ({', '.join(collector.failed_resources)})")
    if collector.errors:
        reasons.append("the engine reported an error")
    # The first error diagnostic, when there is one, is the message (drift.classify prefers it).
    return EngineFailure(stderr="; ".join(reasons)) if reasons else None


def _failure(problem: EngineFailure, collector: EventCollector) -> StackFailure:
    if problem.stderr == NO_SUMMARY and problem.exit_code is None:
        return StackFailure(ErrorCategory.OTHER, NO_SUMMARY, HINTS[ErrorCategory.OTHER])
    return classify(problem, collector.errors)


def unnamed_changes(summary: Mapping[str, int], named: int) -> int:
    """How many of the changes the engine counted no reported resource accounts for."""
    return max(0, exitcodes.changes_counted(summary) - named)


def unreadable_input(name: str, error: ValueError) -> StackResult:
    """A stack whose event log or document named on the command line could not be read: an error."""
    return StackResult(
        name=name,
        failure=StackFailure(
            category=ErrorCategory.CONFIGURATION,  # a file named on the command line: a bad argument
            message=values.clean_text(str(error)),
            hint="Pass STACK=FILE pairs of `pulumi refresh --preview-only --event-log FILE` logs "
            "(--from-event-log) or `--json` output (--from-preview-json).",
        ),
    )
