"""The emulator's clock: real time plus an offset that tests advance to expire tokens without waiting."""
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
