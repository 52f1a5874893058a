"""What offline runs print: a line per resource step, failures, stack outputs, the drift report and tables.

Plain text, no colour, so it reads the same in a terminal, a CI log and the README. Secret values are
never printed: they show as `[secret]`.
"""

from __future__ import annotations

import pathlib
from typing import Any, Iterable, Mapping, Optional, Sequence, TextIO

from .refresh import Drift, RefreshReport
from .runner import Failure, RunResult
from .state import ResourceState
from .steps import StepEvent
from .values import MASK, PropertyChange, has_unknowns

SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "same": "=", "delete": "-"}
_NAME_WIDTH = 24


def step_line(event: StepEvent) -> str:
    flags = " [mocked]" if event.mocked else ""
    flags += " (preview)" if event.preview and event.op != "same" else ""
    return f"{SYMBOLS.get(event.op, '?'):>2} {event.op:<7} {event.name:<{_NAME_WIDTH}} {event.type}{flags}"


def event_lines(event: StepEvent) -> list[str]:
    """The step line and, for an update or replace, one line per changed property."""
    return [step_line(event), *change_lines(event.changes)]


def change_lines(changes: Iterable[PropertyChange], indent: str = "       ") -> list[str]:
    return [f"{indent}{c.name}: {c.shown(c.before)} => {c.shown(c.after)}" for c in changes]


def failure_lines(failure: Failure) -> list[str]:
    head = f"error: {failure.op} of {failure.urn} failed:" if failure.urn else "error:"
    return [head, *("    " + line for line in failure.message.splitlines())]


def output_lines(outputs: Mapping[str, Any], secret: Iterable[str]) -> list[str]:
    hidden = frozenset(secret)
    width = max((len(k) for k in outputs), default=0)
    return [f"    {k:<{width}} = {MASK if k in hidden else _plain(v)}" for k, v in sorted(outputs.items())]


def _plain(value: Any) -> str:
    if has_unknowns(value):
        return "(known after up)"
    return value if isinstance(value, str) else repr(value)


def drift_lines(report: RefreshReport) -> list[str]:
    lines = []
    for drift in report.drifts:
        lines.append(_drift_head(drift))
        if drift.kind == "deleted":
            lines.append("       deleted outside Pulumi: the next `up` creates it again")
        elif drift.properties:
            lines.extend(change_lines(drift.properties))
        else:
            lines.append("       only the dynamic provider's own state (`__provider`) differs")
    if report.not_checked:
        names = ", ".join(r.name for r in report.not_checked)
        lines.append(
            "   not checked offline (native resources are mocked, their drift is out of scope): " + names
        )
    return lines


def event_log_lines(stack: str, path: Optional[pathlib.Path]) -> list[str]:
    """Where the engine-shaped event log went, and the drift command that reports it the same way."""
    if path is None:
        return []
    return [f"   event log: {path} (`python -m drift --from-event-log {stack}={path}` reports the same)"]


def _drift_head(drift: Drift) -> str:
    legend = "  (recorded => live)" if drift.kind == "changed" and drift.properties else ""
    return f" ~ drifted {drift.name:<{_NAME_WIDTH}} {drift.type}{legend}"


def refresh_line(resource: ResourceState, drift: Optional[Drift]) -> str:
    verdict = "in sync" if drift is None else ("DELETED" if drift.kind == "deleted" else "DRIFTED")
    return f"   read    {resource.name:<{_NAME_WIDTH}} {verdict}"


def counts(result: RunResult) -> str:
    parts = [
        f"{result.count(op)} {word}"
        for op, word in (
            ("create", "created"),
            ("update", "updated"),
            ("replace", "replaced"),
            ("delete", "deleted"),
            ("same", "unchanged"),
        )
        if result.count(op)
    ]
    return ", ".join(parts) or "nothing"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    render = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in cells]
    return [render[0], "-+-".join("-" * w for w in widths), *render[1:]]


def emit(stream: TextIO, lines: Iterable[str]) -> None:
    for line in lines:
        print(line, file=stream, flush=True)
