"""Is this answer what the API sends? Checks on an answer's shape before any caller reads it, so a hostile
or broken middlebox is reported as what it is instead of being mistaken for an empty result.

A proxy's sign-in page answers `200 text/html`; read as "no JSON, so no rows" it became "no queue is
named ..." (a false configuration error). A `201` whose body is cut off became a bare `KeyError`. Each
check returns a few words on what is wrong (no secrets, no body text), or None when the answer is fine.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any, Optional

import requests

_JSON_TYPES = ("application/json", "application/problem+json", "text/json")


def unreadable_body(response: requests.Response) -> Optional[str]:
    """What is wrong with an expected answer's body: not JSON (by type or by content); None if it is JSON
    or empty (204, or a 200 that carries nothing)."""
    if not response.content:
        return None
    media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if media and media not in _JSON_TYPES and not media.endswith("+json"):
        return f"with a {media} body, not JSON (a proxy's or sign-in page answering instead of the API?)"
    try:
        json.loads(response.content)
    except (ValueError, RecursionError):
        return f"with a body that is not valid JSON ({len(response.content)} bytes)"
    return None


def check_collection(body: Any) -> Optional[str]:
    """What is wrong with a collection answer: it must be an object with a `value` list of objects (OData
    and ARM both page that way)."""
    if not isinstance(body, dict):
        shown = "nothing" if body is None else f"a JSON {type(body).__name__}"
        return f'the answer is {shown}, not a collection ({{"value": [...]}})'
    value = body.get("value")
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return 'the answer has no "value" list of records'
    return None


def redirect_target(response: requests.Response) -> Optional[str]:
    """For a 3xx answer, where it pointed: scheme and host only (a Location may carry a code or a token in
    its path or query); None for any other status."""
    if not 300 <= response.status_code < 400:
        return None
    location = response.headers.get("Location") or ""
    parts = urllib.parse.urlsplit(urllib.parse.urljoin(response.url or "", location))
    if not parts.hostname:
        return "an address without a host"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number
        port = ""
    return f"{parts.scheme}://{parts.hostname}{port}"
