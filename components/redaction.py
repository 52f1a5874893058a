"""Text fit to print: tokens, bearer headers and secret-looking fields taken out of service messages, CLI
output and engine diagnostics. Standard library only: the clients, drift and the offline tools all use it.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+")
_SECRET_FIELD = re.compile(
    r"(?i)\b(client_secret|client_assertion|access_token|refresh_token|id_token|password|passphrase)"
    r"(\"?\s*[:=]\s*\"?)[^\"&\s,}]+"
)
# Query or form assignments that carry a credential (SAS `sig=`, an OAuth `code=`); `=` only, since JSON
# bodies have a harmless "code": field.
_SECRET_QUERY = re.compile(r"(?i)\b(sig|code)(=)[^&\s\"']+")
# Raw colour directives of engine diagnostics ("<{%fg 1%}>", "<{%reset%}>").
_COLOUR_TAGS = re.compile(r"<\{%[^%]*%\}>")


def redact(text: Optional[str], secrets: Iterable[str] = ()) -> str:
    """`text` without anything that looks like a token or a secret value, nor any of `secrets` (values of
    four characters or more)."""
    if not text:
        return ""
    cleaned = _JWT.sub("[redacted-token]", text)
    cleaned = _BEARER.sub("Bearer [redacted]", cleaned)
    for pattern in (_SECRET_FIELD, _SECRET_QUERY):
        cleaned = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", cleaned)
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        cleaned = cleaned.replace(secret, "[redacted]")
    return cleaned


def without_colour(text: str) -> str:
    return _COLOUR_TAGS.sub("", text)


def bounded(text: str, limit: int) -> str:
    """`text`, cut to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
