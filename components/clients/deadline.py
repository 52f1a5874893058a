"""Hard deadlines on requests: a server that sends its headers and then one byte every few seconds, or that
never answers at all, cannot hold a deployment past a known bound.

requests' `timeout=(connect, read)` bounds each socket operation, not a request: a server that trickles one
byte every 5 s never trips a 60 s read timeout, and the retries multiply a silent server's read timeout by
the number of attempts. So every request runs under a `Watch`:

- `attempt` seconds for each attempt (connection, request, headers and whole body): when they pass, the
  attempt's socket is shut down, which ends a blocked read at once; the retry policy then treats it as a
  lost connection (an idempotent request may be sent again, a POST is an ambiguous write);
- `total` seconds for the request with every retry and every wait between them: when they pass, the socket
  is shut down, no further attempt starts (`DeadlineExceeded`) and a wait that would end past the
  deadline is not begun (retry.py asks `remaining()`).

The watch of the running request is held in a ContextVar: requests runs an attempt in the caller's thread,
so the connection classes below (what `DeadlineAdapter` makes urllib3 use) find it without any shared
mutable state, and concurrent requests on other threads each see their own.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import socket
import threading
import time
from typing import Callable, Iterator, Optional

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


@dataclasses.dataclass(frozen=True)
class Deadline:
    """Seconds one attempt may take, and seconds the request may take with all its retries."""

    attempt: float
    total: float

    def __post_init__(self) -> None:
        if not 0 < self.attempt <= self.total:
            raise ValueError("a deadline needs 0 < attempt <= total seconds")


class DeadlineExceeded(Exception):
    """The request's total deadline passed; no further attempt is made. Deliberately not an OSError nor a
    urllib3 error, so urllib3's retry loop lets it through instead of trying again."""


class Watch:
    """The deadlines of one running request: times its attempts and shuts a late attempt's socket down, and
    passes progress lines (a wait before a retry) to the request's reporter, prefixed with its operation."""

    def __init__(
        self,
        deadline: Deadline,
        operation: str = "",
        reporter: Optional[Callable[[str], None]] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.deadline = deadline
        self.operation = operation
        self._reporter = reporter
        self._clock = clock
        self._ends = clock() + deadline.total
        self._lock = threading.Lock()
        self._connection: Optional[HTTPConnection] = None
        self._sock: Optional[socket.socket] = None
        self._timer: Optional[threading.Timer] = None
        self.cut = False  # an attempt was cut by a deadline
        self.expired = False  # the total deadline passed

    def remaining(self) -> float:
        return max(0.0, self._ends - self._clock())

    def report(self, message: str) -> None:
        if self._reporter is not None:
            self._reporter(f"{self.operation}: {message}" if self.operation else message)

    def begin(self, connection: HTTPConnection) -> None:
        """An attempt starts on `connection`: time it, or refuse it when the total deadline has passed."""
        with self._lock:
            if self.expired or self.remaining() <= 0:
                self.expired = True
                raise DeadlineExceeded(f"the request's {self.deadline.total:g} s deadline passed")
            self._cancel()
            self._connection, self._sock = connection, None
            seconds = min(self.deadline.attempt, self.remaining())
            self._timer = threading.Timer(seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def reading(self, sock: Optional[socket.socket]) -> None:
        """The attempt waits for its answer on `sock` (kept: a connection that will close drops its own
        reference while the response is still being read)."""
        with self._lock:
            self._sock = sock

    def close(self) -> None:
        with self._lock:
            self._cancel()
            self._connection, self._sock = None, None

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        with self._lock:
            self.cut = True
            if self.remaining() <= 0:
                self.expired = True
            sock = self._sock or getattr(self._connection, "sock", None)
        if sock is not None:
            try:  # ends a recv blocked in the requesting thread; the connection is then discarded
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


_CURRENT: contextvars.ContextVar[Optional[Watch]] = contextvars.ContextVar("handoff_deadline", default=None)


def current() -> Optional[Watch]:
    """The watch of the request running in this context, if any (retry.py reads its remaining time)."""
    return _CURRENT.get()


@contextlib.contextmanager
def watching(
    deadline: Deadline, operation: str = "", reporter: Optional[Callable[[str], None]] = None
) -> Iterator[Watch]:
    """Run the requests of the block under `deadline` (one request and its retries)."""
    watch = Watch(deadline, operation, reporter)
    token = _CURRENT.set(watch)
    try:
        yield watch
    finally:
        _CURRENT.reset(token)
        watch.close()


class _Watched:
    """Mixin of the connection classes: each request on the connection is an attempt of the current watch."""

    def request(self, *args, **kwargs):  # noqa: D102 - urllib3's signature
        watch = _CURRENT.get()
        if watch is not None:
            watch.begin(self)
        return super().request(*args, **kwargs)

    def getresponse(self, *args, **kwargs):  # noqa: D102 - urllib3's signature
        watch = _CURRENT.get()
        if watch is not None:
            watch.reading(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' HTTPAdapter whose connections take part in the current watch (TLS verification and the
    retry object unchanged)."""

    def init_poolmanager(self, *args, **kwargs) -> None:  # noqa: D102 - requests' hook for subclasses
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPConnectionPool,
            "https": _WatchedHTTPSConnectionPool,
        }
