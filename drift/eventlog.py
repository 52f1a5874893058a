"""Reads an engine event log: the file `pulumi refresh --preview-only --event-log FILE` writes.

One JSON object per line, each an apitype.EngineEvent (sdk/go/common/apitype/events.go, converted by
pkg/backend/display `ConvertEngineEvent`; secrets blinded to `"ciphertext": "[secret]"`). Recorded examples:
tests/drift/data/engine-events. A file that cannot be read, or a line that is not a JSON object, is an
error: a report must never say "clean" about a log it could not read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Mapping


class EventLogError(ValueError):
    """The file is not an engine event log this command can read."""


def read_events(path: Path) -> list[Mapping[str, Any]]:
    """Every event of the log, in order."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise EventLogError(f"cannot read {path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise EventLogError(f"{path} is not text: pass the file of `--event-log FILE`") from error
    return list(_events(path, text))


def _events(path: Path, text: str) -> Iterator[Mapping[str, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as error:
            raise EventLogError(
                f"{path} line {number} is not JSON ({error.msg}): pass the file written by "
                "`pulumi refresh --preview-only --event-log FILE`"
            ) from error
        if not isinstance(event, Mapping):
            raise EventLogError(f"{path} line {number} is not an engine event (a JSON object)")
        yield event
