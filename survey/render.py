"""A survey, or a diff of two, as JSON (stable: sorted keys, what `--save` writes) or as Markdown tables
readable in a terminal. Text from the services passes through components/redaction.py on its way out."""

from __future__ import annotations

import json
from typing import Any, Iterable

from components.redaction import redact

from .diff import ADDED, CHANGED, Change

TITLES = {
    "agents": "Copilot Studio agents",
    "botUsers": "Bot application users",
    "queues": "Omnichannel queues",
    "workstreams": "Workstreams",
    "contextVariables": "Context variables",
    "solutions": "Omnichannel and extension solutions",
    "channels": "Azure Bot channels",
    "stackResources": "The stack's resources (taking over)",
}


def as_json(document: Any) -> str:
    return redact(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value) or "–"
    elif value is None:
        value = "–"
    elif isinstance(value, bool):
        value = "yes" if value else "no"
    return redact(str(value)).replace("|", "\\|").replace("\n", " ")


def _table(rows: list[dict]) -> list[str]:
    if not rows:
        return ["(none)"]
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return lines


def survey_markdown(document: dict) -> str:
    lines = [f"# Hand-off survey of {document['environmentUrl']}"]
    if document.get("stack"):
        lines.append(f"Stack: {document['stack']}")
    for note in document.get("notes") or ():
        lines.append(f"> {redact(note)}")
    for name, rows in document["sections"].items():
        lines += ["", f"## {TITLES.get(name, name)}", ""] + _table(rows)
    return "\n".join(lines) + "\n"


def _two_environments(environments: tuple[Any, Any]) -> list[str]:
    """A warning line when the two surveys are of different environments (every record then differs)."""
    if environments[0] == environments[1]:
        return []
    return [f"> the surveys are of two environments: {environments[0]} and {environments[1]}", ""]


def diff_markdown(changes: Iterable[Change], environments: tuple[Any, Any] = (None, None)) -> str:
    changes = list(changes)
    warning = _two_environments(environments)
    if not changes:
        return "\n".join([*warning, "No changes between the two surveys."]) + "\n"
    lines = ["# What changed between the two surveys", "", *warning]
    for change in changes:
        title = TITLES.get(change.section, change.section)
        lines.append(f"- {change.kind} in {title}: {_cell(change.key)}")
        for column, (before, after) in change.columns.items():
            if change.kind == CHANGED:
                lines.append(f"  - {column}: {_cell(before)} -> {_cell(after)}")
            else:  # an added or removed record: its values
                lines.append(f"  - {column}: {_cell(after if change.kind == ADDED else before)}")
    return "\n".join(lines) + "\n"


def diff_json(changes: Iterable[Change], environments: tuple[Any, Any] = (None, None)) -> str:
    return as_json({"environments": list(environments), "changes": [c.to_json() for c in changes]})
