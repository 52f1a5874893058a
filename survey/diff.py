"""What changed between two saved surveys: records added, removed or changed, matched on each section's
natural key (model.NATURAL_KEYS), in section order then key order. Pure: it reads two JSON documents."""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any, Mapping

from .model import FORMAT_VERSION, NATURAL_KEYS

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


class SurveyFileError(ValueError):
    """A --diff file is not a survey written by --save (names the file and the fix)."""


@dataclasses.dataclass(frozen=True)
class Change:
    section: str
    kind: str  # added | removed | changed
    key: tuple[Any, ...]
    columns: Mapping[str, tuple[Any, Any]]  # column -> (before, after); every column for added/removed

    def to_json(self) -> dict:
        return {
            "section": self.section,
            "kind": self.kind,
            "key": list(self.key),
            "columns": {c: {"before": b, "after": a} for c, (b, a) in self.columns.items()},
        }


def load(path: pathlib.Path) -> dict:
    try:
        document = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SurveyFileError(
            f"{path}: cannot read a survey ({type(exc).__name__}); pass a --save file"
        ) from None
    if not isinstance(document, dict) or document.get("formatVersion") != FORMAT_VERSION:
        raise SurveyFileError(
            f"{path}: not a survey of format {FORMAT_VERSION}; "
            "write one with `python -m survey … --save FILE`"
        )
    return document


def _key(section: str, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(str(row.get(column)) for column in NATURAL_KEYS.get(section, tuple(sorted(row))))


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    changes: list[Change] = []
    old_sections, new_sections = before.get("sections") or {}, after.get("sections") or {}
    for section in [*old_sections, *(s for s in new_sections if s not in old_sections)]:
        old = {_key(section, r): r for r in old_sections.get(section) or ()}
        new = {_key(section, r): r for r in new_sections.get(section) or ()}
        for key in sorted(set(old) | set(new)):
            if key not in new:
                changes.append(Change(section, REMOVED, key, {c: (v, None) for c, v in old[key].items()}))
            elif key not in old:
                changes.append(Change(section, ADDED, key, {c: (None, v) for c, v in new[key].items()}))
            else:
                columns = {
                    c: (old[key].get(c), new[key].get(c))
                    for c in sorted(set(old[key]) | set(new[key]))
                    if old[key].get(c) != new[key].get(c)
                }
                if columns:
                    changes.append(Change(section, CHANGED, key, columns))
    return changes
