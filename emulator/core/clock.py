"""The emulator's clock: real time plus an offset that tests advance to expire tokens without waiting."""

import datetime
import threading
import time


class Clock:
    """Wall-clock seconds since the epoch, shifted by a settable offset."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward (never backwards: tokens already issued must not become valid again)."""
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        with self._lock:
            self._offset += seconds
            return self._offset

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


def iso(timestamp: float) -> str:
    """`2024-01-01T00:00:00Z`: the UTC form Graph and ARM use for dates."""
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 date-time (a trailing Z or an offset; naive means UTC)."""
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.timestamp()
