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

MASK = "[secret]"
UNKNOWN = "[unknown]"

# Pulumi's wire signatures (sdk/go/common/resource/sig; pulumi/runtime/rpc.py `_special_sig_key`).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
# The engine's sentinel for values not known during a preview (pulumi/runtime/rpc.py UNKNOWN).
_UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# The pickled dynamic provider (a secret, and never a cloud-side change): see docs/architecture.md.
PROVIDER_BLOB_KEY = "__provider"

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


# Raw colour directives of engine diagnostics ("<{%fg 1%}>", "<{%reset%}>"), JWT-shaped strings, and
# secret-looking query or form assignments: none of them belongs in a report.
_COLOUR_TAGS = re.compile(r"<\{%[^%]*%\}>")
_TOKEN_LIKE = re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(client_secret|password|access_token|refresh_token|sig|code)=([^&\s\"']+)"
)
MAX_MESSAGE_CHARS = 1000


def clean_text(text: str) -> str:
    """A diagnostic or CLI message fit for a report: no colour codes, no token-looking strings, bounded."""
    text = _COLOUR_TAGS.sub("", text).strip()
    text = _TOKEN_LIKE.sub("[redacted-token]", text)
    text = _SECRET_ASSIGNMENT.sub(lambda m: f"{m.group(1)}=[redacted]", text)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"
