"""Property values as the engine reports them: path lookup, secret masking, noise filtering.

Values come from engine events (secrets serialised as signature envelopes, blinded by the engine) and from
`--json` documents (secrets already replaced by "[secret]"). Whatever the source, nothing secret leaves
this module unmasked: secret envelopes and secret output values become "[secret]", and the dynamic
providers' pickled `__provider` blob is dropped wherever it appears. Messages get the same care
(`clean_text`).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional, Sequence, Union

from components import names
from components.redaction import bounded, redact, without_colour

MASK = names.SECRET_MASK
UNKNOWN = "[unknown]"
_SIG_KEY = names.SIG_KEY
_SECRET_SIG = names.SECRET_SIG
_OUTPUT_SIG = names.OUTPUT_VALUE_SIG
_UNKNOWN_SENTINEL = names.UNKNOWN_SENTINEL
# The pickled dynamic provider (a secret, and never a cloud-side change): see docs/architecture.md.
PROVIDER_BLOB_KEY = names.PROVIDER_KEY

PathSegment = Union[str, int]

_PATH_TOKEN = re.compile(r'\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.\[\]]+)|(\.)')


def parse_path(path: str) -> Optional[tuple[PathSegment, ...]]:
    """Split an engine property path (`properties.endpoint`, `tags["a.b"]`, `list[0].name`) into segments.

    Returns None for a path this grammar does not cover, so callers report the property without values
    rather than guess.
    """
    segments: list[PathSegment] = []
    position = 0
    expect_name = True
    while position < len(path):
        match = _PATH_TOKEN.match(path, position)
        if match is None:
            return None
        index, quoted, name, dot = match.groups()
        if dot is not None:
            if expect_name:
                return None
            expect_name = True
        elif index is not None:
            segments.append(int(index))
            expect_name = False
        else:
            if name is not None and not expect_name:
                return None
            segments.append(name if name is not None else re.sub(r"\\(.)", r"\1", quoted))
            expect_name = False
        position = match.end()
    return tuple(segments) if segments and not expect_name else None


def lookup(document: Optional[Mapping[str, Any]], segments: Sequence[PathSegment]) -> tuple[bool, Any]:
    """(found, value) of `segments` inside `document`, stepping through secret envelopes."""
    current: Any = document
    for segment in segments:
        current = _unwrap_secret(current)
        if isinstance(segment, int):
            if not isinstance(current, list) or segment >= len(current):
                return False, None
            current = current[segment]
        else:
            if not isinstance(current, Mapping) or segment not in current:
                return False, None
            current = current[segment]
    return True, current


def is_secret(value: Any) -> bool:
    """True for every form a secret takes in engine events, `--json` documents and SDK RPC values."""
    if value == MASK:
        return True
    if not isinstance(value, Mapping):
        return False
    signature = value.get(_SIG_KEY)
    return signature == _SECRET_SIG or (signature == _OUTPUT_SIG and bool(value.get("secret")))


def mask(value: Any) -> Any:
    """A copy of `value` that is safe to print: secrets masked, provider blobs dropped, unknowns named."""
    if is_secret(value):
        return MASK
    if value == _UNKNOWN_SENTINEL:
        return UNKNOWN
    if isinstance(value, Mapping):
        if value.get(_SIG_KEY) == _OUTPUT_SIG:
            return mask(value["value"]) if "value" in value else UNKNOWN
        return {key: mask(item) for key, item in value.items() if key != PROVIDER_BLOB_KEY}
    if isinstance(value, list):
        return [mask(item) for item in value]
    return value


def contains_secret(document: Any, segments: Sequence[PathSegment]) -> bool:
    """True when any step along `segments` is a secret: the whole value is then masked, not just a leaf."""
    current = document
    for segment in segments:
        if is_secret(current):
            return True
        found, current = (
            lookup(current, (segment,)) if isinstance(current, (Mapping, list)) else (False, None)
        )
        if not found:
            return False
    return is_secret(current)


def is_provider_blob_path(segments: Optional[Sequence[PathSegment]], raw_path: str) -> bool:
    """The dynamic provider's pickled blob: never drift in the cloud, always a secret."""
    if segments:
        return segments[0] == PROVIDER_BLOB_KEY
    return raw_path.split(".", 1)[0].split("[", 1)[0] == PROVIDER_BLOB_KEY


def _unwrap_secret(value: Any) -> Any:
    if isinstance(value, Mapping) and value.get(_SIG_KEY) == _SECRET_SIG:
        # Engine events blind secrets ("ciphertext": "[secret]"); SDK values carry "value"/"plaintext".
        for key in ("value", "plaintext", "ciphertext"):
            if key in value:
                return value[key]
    return value


MAX_MESSAGE_CHARS = 1000


def clean_text(text: str) -> str:
    """A diagnostic or CLI message fit for a report: no colour codes, no token-looking strings, bounded."""
    return bounded(redact(without_colour(text).strip()), MAX_MESSAGE_CHARS)
