"""One HTTP session for every API call: base URL, default headers, a bearer token per request, a timeout on
every request, an `expected=` status list per call, retries (retry.py), one token refresh on 401, and
typed errors carrying the service's code, message and request id.

Idempotency decides what may be sent twice:
- GET, HEAD, PUT and DELETE are idempotent by HTTP's definition. PATCH is treated as idempotent too: every
  PATCH these clients send sets columns to absolute values (never increments), so applying it twice
  leaves the same state, and updates carry `If-Match: *` so a replay can never create a row.
- POST is not: after a 5xx or a connection lost once the request was sent, it raises AmbiguousWriteError
  (the caller re-reads by natural key) instead of sending it again. 429 is retried (the service rejected
  it unexecuted), and so is a connection that failed before sending. A caller may mark a POST
  idempotent when it is by nature (an N:N `$ref` associate, where a duplicate pair is success).
- 401 gets one fresh token (force refresh) and one resend; a second 401 is an AuthenticationError.

Bounds (deadline.py): each attempt of a request must end within `Deadline.attempt` seconds (60) and the
request with its retries and waits within `Deadline.total` (150), whatever the server does: a server that
trickles its answer or never answers fails with the operation named. An operation that sends several
requests (`collect`: the pages of a collection) has the same total bound for all of them.

Answers are checked before anyone reads them: an expected status whose body is not JSON (a proxy's HTML
sign-in page answering 200), or a collection that is not `{"value": [...]}` (`[]`), is an
`unexpected-response`, never "nothing found"; a redirect is never followed (a bearer token must not go
to another host) and is reported as `redirect-refused` with the host it pointed to.

The bearer token is set per request, never in the session's headers, and never logged; service text in
errors is scrubbed of the credential's own secret values as well as of anything token-shaped.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import urllib.parse
from typing import Any, Callable, Collection, Mapping, Optional

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from . import catalogue, errors
from .auth import TokenProvider, http_failure, token_provider
from .config import ClientConfig, ServiceEndpoint
from .deadline import Deadline, DeadlineAdapter, DeadlineExceeded, watching
from .responses import check_collection, redirect_target, unreadable_body
from .retry import RetryPolicy, ServiceRetry, describe_retry_after

_LOG = logging.getLogger(__name__)
DEFAULT_TIMEOUT = (10.0, 60.0)  # (connect, read) seconds of each socket operation
# One attempt (connect, send, headers and the whole body) and one request with its retries and waits. The
# total leaves room for RetryPolicy's 120 s retry budget after a first attempt that failed fast.
DEFAULT_DEADLINE = Deadline(attempt=60.0, total=150.0)
_REQUEST_ID_HEADERS = {
    "dataverse": ("x-ms-service-request-id", "req_id"),
    "arm": ("x-ms-request-id", "x-ms-correlation-request-id"),
    "graph": ("request-id", "client-request-id"),
}
_ALL_REQUEST_ID_HEADERS = (
    "x-ms-service-request-id",
    "req_id",
    "request-id",
    "x-ms-request-id",
    "client-request-id",
)
_STATUS_ENTRIES = {
    400: "request-invalid",
    401: "token-rejected",
    403: "access-denied",
    404: "resource-not-found",
    409: "request-conflict",
    412: "request-conflict",
    422: "request-invalid",
    429: "throttled",
}


@dataclasses.dataclass(frozen=True)
class ApiResponse:
    """An answer the caller expected: status, parsed JSON body (None when empty), headers, request id."""

    status: int
    body: Any
    headers: Mapping[str, str]
    request_id: Optional[str]

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name.lower())


class ApiSession:
    """Requests to one service (`dataverse`, `arm` or `graph`) at one endpoint, as one identity."""

    def __init__(
        self,
        endpoint: ServiceEndpoint,
        tokens: TokenProvider,
        *,
        service: str,
        headers: Optional[Mapping[str, str]] = None,
        policy: RetryPolicy = RetryPolicy(),
        sleeper: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        deadline: Deadline = DEFAULT_DEADLINE,
        progress: Optional[Callable[[str], None]] = None,
    ) -> None:
        self.base_url = endpoint.base_url.rstrip("/")
        self.scope = endpoint.scope
        self.service = service
        self._tokens = tokens
        self._headers = dict(headers or {})
        self._timeout = timeout
        self.deadline = deadline
        # Where progress lines go (a wait before a retry, a long poll): the provider process sends them to
        # the engine (components.dynamic.base); elsewhere they are log records.
        self.progress: Callable[[str], None] = progress or _LOG.info
        self.sleeper, self.clock = sleeper, clock  # the retries' waits, also for callers that poll a job
        # Two sessions, one per idempotency class, sharing one cookie jar (Dataverse's server affinity).
        self._sessions = {
            idem: self._session(
                ServiceRetry.for_policy(policy, idempotent=idem, sleeper=sleeper, clock=clock)
            )
            for idem in (True, False)
        }
        self._sessions[False].cookies = self._sessions[True].cookies

    @classmethod
    def connect(
        cls,
        config: ClientConfig,
        endpoint: ServiceEndpoint,
        *,
        service: str,
        headers: Optional[Mapping[str, str]] = None,
        tokens: Optional[TokenProvider] = None,
        environ: Optional[Mapping[str, str]] = None,
        policy: RetryPolicy = RetryPolicy(),
        sleeper: Callable[[float], None] = time.sleep,
        deadline: Deadline = DEFAULT_DEADLINE,
        progress: Optional[Callable[[str], None]] = None,
    ) -> "ApiSession":
        """A session to `endpoint` signed in with the credentials of `environ` (default: os.environ), or
        with `tokens`; what every client's `connect` builds on."""
        return cls(
            endpoint,
            tokens or token_provider(config, environ),
            service=service,
            headers=headers,
            policy=policy,
            sleeper=sleeper,
            deadline=deadline,
            progress=progress,
        )

    @staticmethod
    def _session(retry: ServiceRetry) -> requests.Session:
        session = requests.Session()  # verify=True: the system store, or REQUESTS_CA_BUNDLE; never off
        adapter = DeadlineAdapter(max_retries=retry)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def url(self, path_or_url: str) -> str:
        """`path` under the base URL; an absolute URL (a next-page link) keeps only its path and query,
        so a token is never sent to a host other than the configured one."""
        if "://" not in path_or_url:
            return f"{self.base_url}/{path_or_url.lstrip('/')}"
        link = urllib.parse.urlsplit(path_or_url)
        base = urllib.parse.urlsplit(self.base_url)
        return urllib.parse.urlunsplit((base.scheme, base.netloc, link.path, link.query, ""))

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        expected: Collection[int] = (200,),
        params: Optional[Mapping[str, str]] = None,
        json: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        idempotent: Optional[bool] = None,
        on_status: Optional[Mapping[int, str]] = None,
        timeout: Optional[tuple[float, float]] = None,
        deadline: Optional[Deadline] = None,
    ) -> ApiResponse:
        """Send one request; return it if its status is in `expected`, raise a ClientError otherwise.

        on_status: catalogue keys that say what a status means for this call (404 -> "queue-not-found").
        timeout, deadline: this call's own socket timeouts and deadline, for a request known to be slow.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method != "POST"
        url = self.url(path)
        rejected: Optional[str] = None
        for attempt in (1, 2):
            token = self._tokens.token(self.scope, force_refresh=attempt == 2, rejected=rejected)
            started = time.monotonic()
            with watching(deadline or self.deadline, operation, self.progress) as watch:
                try:
                    response = self._sessions[idempotent].request(
                        method,
                        url,
                        params=params,
                        json=json,
                        allow_redirects=False,
                        headers={**self._headers, **(headers or {}), "Authorization": f"Bearer {token}"},
                        timeout=timeout or self._timeout,
                    )
                except (requests.RequestException, DeadlineExceeded) as exc:
                    if watch.cut or isinstance(exc, DeadlineExceeded):
                        raise self._deadline_error(operation, idempotent, watch.deadline) from None
                    raise self._transport_error(exc, operation, idempotent) from None
            request_id = self._request_id(response.headers)
            _LOG.debug(
                "%s %s -> %s (request-id %s, %.0f ms)",
                method,
                urllib.parse.urlsplit(url).path,
                response.status_code,
                request_id,
                (time.monotonic() - started) * 1000.0,
            )
            if response.status_code == 401 and attempt == 1:
                rejected = token  # expired or revoked: one fresh token, one resend
                continue
            break
        if response.status_code in expected:
            problem = unreadable_body(response)
            if problem:
                raise self._unreadable(operation, idempotent, response.status_code, problem, request_id)
            return ApiResponse(
                response.status_code,
                _json(response),
                {k.lower(): v for k, v in response.headers.items()},
                request_id,
            )
        target = redirect_target(response)
        if target is not None:
            raise errors.from_entry(
                "redirect-refused",
                operation,
                f"HTTP {response.status_code} redirect to {target} not followed "
                "(the request carries a bearer token)",
                request_id=request_id,
            )
        raise self._status_error(response, operation, idempotent, on_status or {})

    def collect(
        self,
        path: str,
        *,
        operation: str,
        params: Optional[Mapping[str, str]] = None,
        headers: Optional[Mapping[str, str]] = None,
        max_pages: int = 50,
        page_size: Optional[int] = None,
        on_status: Optional[Mapping[int, str]] = None,
    ) -> list[dict]:
        """Every item of a paged collection (`value` + `@odata.nextLink` or ARM's `nextLink`), at most
        `max_pages` pages: a service that never stops paging is an error, not a hang. `page_size` asks
        for pages of that size (OData `Prefer: odata.maxpagesize`)."""
        if page_size:
            headers = {**(headers or {}), "Prefer": f"odata.maxpagesize={page_size}"}
        items: list[dict] = []
        link: Optional[str] = path
        ends = time.monotonic() + self.deadline.total  # the operation's bound: all its pages together
        for _ in range(max_pages):
            if time.monotonic() > ends:
                raise errors.from_entry(
                    "service-unavailable",
                    operation,
                    f"the pages of the collection took more than {self.deadline.total:g} s",
                )
            answer = self.request(
                "GET",
                link,
                operation=operation,
                params=params if link == path else None,
                headers=headers,
                on_status=on_status,
            )
            problem = check_collection(answer.body)
            if problem:
                raise errors.from_entry(
                    "unexpected-response",
                    operation,
                    problem,
                    status=answer.status,
                    request_id=answer.request_id,
                )
            items.extend(answer.body["value"])
            link = answer.body.get("@odata.nextLink") or answer.body.get("nextLink")
            if not link:
                return items
        raise errors.from_entry("unexpected-response", operation, f"more than {max_pages} pages of results")

    # --- errors -------------------------------------------------------------------------------------
    def _request_id(self, headers: Mapping[str, str]) -> Optional[str]:
        for name in _REQUEST_ID_HEADERS.get(self.service, ()) + _ALL_REQUEST_ID_HEADERS:
            if headers.get(name):
                return headers[name]
        return None

    def _status_error(
        self, response: requests.Response, operation: str, idempotent: bool, on_status: Mapping[int, str]
    ) -> errors.ClientError:
        status = response.status_code
        code, message, body_request_id = _service_error(_json(response))
        request_id = self._request_id(response.headers) or body_request_id
        if status >= 500 and not idempotent:
            key = "ambiguous-write"
        elif status in on_status:
            key = on_status[status]
        else:
            entry = catalogue.match(self.service, code, message)
            key = (
                entry.key
                if entry
                else _STATUS_ENTRIES.get(
                    status, "service-unavailable" if status >= 500 else "unexpected-response"
                )
            )
        entry = catalogue.get(key)
        cls = errors.AmbiguousWriteError if key == "ambiguous-write" else errors.error_class(entry.kind)
        message = errors.scrub(message, self._secrets())
        if key == "throttled" or entry.kind == "throttled":
            message = f"{message or 'throttled'}; {describe_retry_after(response.headers.get('Retry-After'))}"
        return cls(
            operation, status=status, code=code, service_message=message, request_id=request_id, entry=entry
        )

    def _secrets(self) -> tuple[str, ...]:
        """The credential's own secret values (client secret, assertion), to scrub from service text."""
        secrets = getattr(self._tokens, "secrets", None)
        return tuple(secrets()) if callable(secrets) else ()

    @staticmethod
    def _deadline_error(operation: str, idempotent: bool, bound: Deadline) -> errors.ClientError:
        detail = (
            f"no complete answer within the request deadline ({bound.attempt:g} s an attempt, "
            f"{bound.total:g} s with retries)"
        )
        if not idempotent:  # it was sent: whether it was applied is unknown
            return errors.AmbiguousWriteError(
                operation, detail=detail, entry=catalogue.get("ambiguous-write")
            )
        return errors.from_entry("service-unavailable", operation, detail)

    @staticmethod
    def _unreadable(
        operation: str, idempotent: bool, status: int, problem: str, request_id: Optional[str]
    ) -> errors.ClientError:
        detail = f"HTTP {status} {problem}"
        if not idempotent:  # a write answered as done, but unreadably: re-read by natural key
            return errors.AmbiguousWriteError(
                operation,
                detail=f"{detail}; the write may have been applied",
                request_id=request_id,
                entry=catalogue.get("ambiguous-write"),
            )
        return errors.from_entry("unexpected-response", operation, detail, request_id=request_id)

    @staticmethod
    def _transport_error(
        exc: requests.RequestException, operation: str, idempotent: bool
    ) -> errors.ClientError:
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        detail = f"{type(exc).__name__}: {type(reason).__name__ if reason is not None else 'no answer'}"
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return errors.from_entry("service-unavailable", operation, http_failure(exc))
        never_sent = isinstance(reason, ConnectTimeoutError) or isinstance(exc, requests.ConnectTimeout)
        if not idempotent and not never_sent:
            return errors.AmbiguousWriteError(
                operation, detail=detail, entry=catalogue.get("ambiguous-write")
            )
        return errors.from_entry("service-unavailable", operation, detail)

    def __reduce__(self):
        raise TypeError("API sessions are not picklable: build clients in the process that uses them")


def _json(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _service_error(body: Any) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """(code, message, request id) from the `{"error": {...}}` envelope Graph, ARM and Dataverse share."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, None, None
    inner = error.get("innerError") or error.get("innererror") or {}
    request_id = inner.get("request-id") if isinstance(inner, dict) else None
    return (str(error.get("code") or "") or None, str(error.get("message") or "") or None, request_id)
