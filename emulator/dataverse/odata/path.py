"""Resource paths after `/api/data/v9.2/`: `set`, `set(id)`, `set(id)/nav`, `set(id)/nav(id2)/$ref`,
`set(id)/Microsoft.Dynamics.CRM.Action`, and the `@odata.id` / `@odata.bind` references to a record.

Keys are GUIDs; alternate keys (`set(name='x')`) are not emulated and answer the parser's 400.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from typing import Optional

from .. import errors

API_ROOT = "/api/data/v9.2/"
_SEGMENT = re.compile(r"^(?P<name>\$?[A-Za-z_][\w.]*)(?:\((?P<key>[^()]*)\))?$")


@dataclasses.dataclass(frozen=True)
class Segment:
    name: str
    key: Optional[str] = None  # a normalised (lower-case) GUID
    has_parens: bool = False  # `WhoAmI()` or `set()` style


def parse_key(raw: str) -> str:
    text = raw.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise errors.bad_query(
            f"Bad Request - Error in query syntax. The key value '{raw}' is not a valid "
            "GUID (alternate keys are not emulated)."
        ) from None


def parse_path(resource: str) -> list[Segment]:
    segments = []
    for part in resource.strip("/").split("/"):
        if not part:
            continue
        match = _SEGMENT.match(part)
        if not match:
            raise errors.segment_not_found(part)
        key = match.group("key")
        segments.append(
            Segment(name=match.group("name"), key=parse_key(key) if key else None, has_parens=key is not None)
        )
    return segments


def parse_reference(value: object) -> tuple[str, str]:
    """(entity set, id) of `https://org/api/data/v9.2/set(id)`, `/set(id)` or `set(id)`."""
    if not isinstance(value, str) or not value.strip():
        raise errors.bad_body(f"the reference {value!r} is not a URI of a record.")
    text = value.strip()
    if API_ROOT in text:
        text = text.split(API_ROOT, 1)[1]
    segments = parse_path(text)
    if len(segments) != 1 or segments[0].key is None:
        raise errors.bad_body(f"the reference '{value}' is not a URI of a single record.")
    return segments[0].name, segments[0].key
