"""Per-caller service-protection limits: a request count over a sliding window and concurrency.

Dataverse evaluates its limits per user over a 300-second sliding window and answers 429 with
Retry-After; the concurrency limit trips at once (reference §4.4). The numbers come from EmulatorConfig
so tests can make them low.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from typing import Callable, Iterator, Optional

from .clock import Clock

REQUESTS = "requests"
CONCURRENCY = "concurrency"


class LimitExceeded(Exception):
    """Raised by ServiceProtection.admit; `limit` is REQUESTS or CONCURRENCY."""

    def __init__(self, limit: str, allowed: int, window: float) -> None:
        super().__init__(limit)
        self.limit = limit
        self.allowed = allowed
        self.window = window


class ServiceProtection:
    """Counts requests per caller; `admit` is a context manager around the handling of one request."""

    def __init__(
        self,
        clock: Clock,
        max_requests: Callable[[], int],
        window: Callable[[], float],
        max_concurrency: Callable[[], int],
    ) -> None:
        self._clock = clock
        self._max_requests = max_requests
        self._window = window
        self._max_concurrency = max_concurrency
        self._history: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self._active: dict[str, int] = collections.defaultdict(int)
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def admit(self, caller: Optional[str]) -> Iterator[None]:
        key = caller or "anonymous"
        now = self._clock.now()
        with self._lock:
            window = self._window()
            history = self._history[key]
            while history and history[0] <= now - window:
                history.popleft()
            if self._active[key] >= self._max_concurrency():
                raise LimitExceeded(CONCURRENCY, self._max_concurrency(), window)
            if len(history) >= self._max_requests():
                raise LimitExceeded(REQUESTS, self._max_requests(), window)
            history.append(now)
            self._active[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._active[key] -= 1

    def reset(self) -> None:
        with self._lock:
            self._history.clear()
            self._active.clear()
