"""When a request is sent again: urllib3's `Retry`, taught three things the APIs need.

- 429 is retried for every method, POST included: Dataverse's service protection rejects a request
  before running it ("the duration before any new requests from the user can be processed", and clients
  should "wait for the duration to pass before sending the request again": learn.microsoft.com/power-apps/
  developer/data-platform/api-limits), and Graph and ARM throttle the same way. 5xx and dropped
  connections are retried only for idempotent requests (`allowed_methods`); a connection that failed
  before the request was sent is retried for every method (urllib3's connect counter).
- A budget in total time as well as in attempts: a `Retry-After` that would end past the budget gives up
  at once instead of sleeping first, so a deployment never hangs on a long throttle.
- An injected sleeper, so tests and benchmarks see every wait without waiting.
- `Retry-After` read as RFC 9110 section 10.2.3 defines it: `delay-seconds` (a non-negative whole number)
  or an `HTTP-date`. Anything else (`1.5`, `-1`, `soon`) is not a delay: the backoff applies instead of
  urllib3's InvalidHeader, which would have ended the request (and sent a POST down the ambiguous-write
  path). `retry_after_seconds` is the one parser: the wait and the error message both use it.
- The request's deadline (deadline.py): a wait that would end past it is not begun, and every wait is
  reported (what is awaited, for how long) to the request's progress reporter.

Which requests are idempotent is the session's call (http.py); this module only carries it out.
"""

from __future__ import annotations

import dataclasses
import email.utils
import re
import time
from typing import Callable, Optional

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from . import deadline

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_DELAY_SECONDS = re.compile(r"[0-9]+")


def retry_after_seconds(value: Optional[str], now: Callable[[], float] = time.time) -> Optional[float]:
    """Seconds a `Retry-After` value asks to wait (0 for a date in the past), or None when it is absent or
    neither delay-seconds nor an HTTP-date (RFC 9110 section 10.2.3)."""
    text = (value or "").strip()
    if not text:
        return None
    if _DELAY_SECONDS.fullmatch(text):
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:  # RFC 9110 dates are GMT; a zoneless date is not one
        return None
    return max(0.0, when.timestamp() - now())


def describe_retry_after(value: Optional[str]) -> str:
    """`Retry-After` as a message shows it: `Retry-After 30 s`, `Retry-After <date> (in 25 s)`, or the value
    and that it was not a delay."""
    seconds = retry_after_seconds(value)
    if value is None or not value.strip():
        return "no Retry-After"
    if seconds is None:
        return f"Retry-After {value.strip()[:40]!r} (not a delay or an HTTP-date: the backoff applied)"
    if _DELAY_SECONDS.fullmatch(value.strip()):
        return f"Retry-After {seconds:g} s"
    return f"Retry-After {value.strip()} (in {seconds:.0f} s)"


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retries of one request: attempts in all, and seconds from the first failure."""

    max_attempts: int = 5
    max_total_seconds: float = 120.0
    backoff_factor: float = 0.5
    backoff_max: float = 20.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.max_total_seconds < 0:
            raise ValueError("a retry policy needs at least one attempt and a non-negative time budget")


class ServiceRetry(Retry):
    """urllib3 Retry with a time budget, 429 for every method, and an injected sleeper and clock."""

    def __init__(
        self,
        *args,
        sleeper: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_total_seconds: float = 120.0,
        started: Optional[float] = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sleeper = sleeper
        self.clock = clock
        self.max_total_seconds = max_total_seconds
        self.started = started

    @classmethod
    def for_policy(
        cls,
        policy: RetryPolicy,
        *,
        idempotent: bool,
        sleeper: Callable[[float], None],
        clock: Callable[[], float],
    ) -> "ServiceRetry":
        retries = policy.max_attempts - 1
        return cls(
            total=retries,
            connect=retries,
            read=retries if idempotent else 0,
            status=retries,
            other=retries if idempotent else 0,
            redirect=0,
            allowed_methods=IDEMPOTENT_METHODS | ({"POST"} if idempotent else set()),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=policy.backoff_factor,
            backoff_max=policy.backoff_max,
            raise_on_status=False,
            raise_on_redirect=False,
            respect_retry_after_header=True,
            retry_after_max=max(1, int(policy.max_total_seconds) + 1),
            sleeper=sleeper,
            clock=clock,
            max_total_seconds=policy.max_total_seconds,
        )

    def new(self, **kw) -> "ServiceRetry":
        kw.setdefault("sleeper", self.sleeper)
        kw.setdefault("clock", self.clock)
        kw.setdefault("max_total_seconds", self.max_total_seconds)
        kw.setdefault("started", self.started)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code == 429:  # rejected before it ran: safe to send again whatever the method
            return bool(self.total)
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        started = self.started if self.started is not None else self.clock()
        following = super().increment(method, url, response, error, _pool, _stacktrace).new(started=started)
        wait = following.get_retry_after(response) if response is not None else None
        why = "Retry-After" if wait is not None else "backoff"
        if wait is None:
            wait = following.get_backoff_time()
        if self.clock() - started + wait > self.max_total_seconds:
            reason = error or ResponseError(f"retry budget of {self.max_total_seconds:g} s exhausted")
            raise MaxRetryError(_pool, url, reason)
        watch = deadline.current()
        if watch is not None:
            if wait > watch.remaining():
                reason = error or ResponseError(
                    f"a {wait:g} s wait would end past the request's {watch.deadline.total:g} s deadline"
                )
                raise MaxRetryError(_pool, url, reason)
            if wait >= 1:  # what a user waits for is worth a line; sub-second backoffs are not
                cause = f"HTTP {response.status}" if response is not None else type(error).__name__
                watch.report(f"waiting {wait:g} s ({why}, after {cause}) before sending {method} again")
        return following

    def parse_retry_after(self, retry_after: str) -> Optional[float]:  # type: ignore[override]
        seconds = retry_after_seconds(retry_after)
        return None if seconds is None else min(seconds, float(self.retry_after_max))

    def sleep_for_retry(self, response) -> bool:
        retry_after = self.get_retry_after(response)
        if retry_after:
            self.sleeper(retry_after)
            return True
        return False

    def _sleep_backoff(self) -> None:
        backoff = self.get_backoff_time()
        if backoff > 0:
            self.sleeper(backoff)
