"""The errors every client raises: a shallow tree, one class per kind of failure a caller handles
differently, each carrying the operation, HTTP status, the service's code and message, the request id and
the catalogue entry with its mitigation.

Messages read `<operation> failed: HTTP <status> <code>: <service message> (request-id <id>)` plus a
mitigation line. They never contain a token, a secret, an assertion or a request body: service text is
scrubbed and truncated before it is stored.
"""

from __future__ import annotations

from typing import Iterable, Optional

from components.redaction import bounded, redact

from . import catalogue
from .catalogue import Entry

_MAX_SERVICE_MESSAGE = 600


def scrub(text: Optional[str], secrets: Iterable[str] = ()) -> str:
    """`text` without anything that looks like a token or a secret value, on one line, at most 600
    characters."""
    return bounded(" ".join(redact(text, secrets).split()), _MAX_SERVICE_MESSAGE)


class ClientError(Exception):
    """A call to a Microsoft API failed; the subclass says how."""

    def __init__(
        self,
        operation: str,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        service_message: Optional[str] = None,
        request_id: Optional[str] = None,
        entry: Optional[Entry] = None,
        detail: Optional[str] = None,
    ) -> None:
        self.operation = operation
        self.status = status
        self.code = code or None
        self.service_message = scrub(service_message) or None
        self.request_id = request_id or None
        self.entry = entry
        self.detail = scrub(detail) or None
        super().__init__(self._render())

    @property
    def retryable(self) -> bool:
        """Whether running the operation again later can succeed without changing anything."""
        return bool(self.entry and self.entry.retryable)

    def _render(self) -> str:
        text = self.service_message or self.detail or ""
        if self.status is not None:
            head = f"{self.operation} failed: HTTP {self.status}"
            head += f" {self.code}: {text}" if self.code else f": {text}"
        else:
            head = f"{self.operation} failed: " + (f"{self.code}: {text}" if self.code else text)
        if self.request_id:
            head += f" (request-id {self.request_id})"
        if self.entry is not None:
            head += f"\n  Mitigation [{self.entry.key}]: {self.entry.mitigation} See {self.entry.link}"
        return head

    def __reduce__(self):
        # Exceptions travel between processes (the provider server); keep every field on the way.
        return (
            _rebuild,
            (
                type(self),
                self.operation,
                {
                    "status": self.status,
                    "code": self.code,
                    "service_message": self.service_message,
                    "request_id": self.request_id,
                    "entry": self.entry.key if self.entry else None,
                    "detail": self.detail,
                },
            ),
        )


def _rebuild(cls, operation: str, fields: dict) -> "ClientError":
    entry_key = fields.pop("entry")
    return cls(operation, entry=catalogue.get(entry_key) if entry_key else None, **fields)


class AuthenticationError(ClientError):
    """No valid token: bad or missing credentials, unknown tenant, or the API rejected the token."""


class PermissionDeniedError(ClientError):
    """Signed in, but not allowed (HTTP 403, missing role or privilege)."""


class NotFoundError(ClientError):
    """The thing does not exist (HTTP 404, or a lookup by name found nothing)."""


class ConflictError(ClientError):
    """It already exists or clashes with something that does (duplicates, HTTP 409/412)."""


class ValidationError(ClientError):
    """The request or the live state is not acceptable as it is (HTTP 400, or a failed check)."""


class ThrottledError(ClientError):
    """The service kept throttling (HTTP 429) beyond the retry budget."""


class UnavailableError(ClientError):
    """The service failed, timed out or dropped the connection beyond the retry budget."""


class AmbiguousWriteError(UnavailableError):
    """A non-idempotent write may or may not have been applied; re-read by natural key before retrying."""


class UnexpectedStatusError(ClientError):
    """An answer no rule covers."""


_CLASS_OF_KIND: dict[str, type[ClientError]] = {
    "authentication": AuthenticationError,
    "permission": PermissionDeniedError,
    "not_found": NotFoundError,
    "conflict": ConflictError,
    "validation": ValidationError,
    "throttled": ThrottledError,
    "unavailable": UnavailableError,
    "unexpected": UnexpectedStatusError,
}


def error_class(kind: str) -> type[ClientError]:
    """The class for a catalogue kind."""
    return _CLASS_OF_KIND[kind]


def from_entry(key: str, operation: str, detail: str, **fields) -> ClientError:
    """An error of the class the catalogue entry names, for failures our own checks detect."""
    entry = catalogue.get(key)
    return error_class(entry.kind)(operation, entry=entry, detail=detail, **fields)
