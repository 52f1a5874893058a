"""The request log: what tests and benchmarks count (method, path, status, caller, service, fault)."""

from __future__ import annotations

import dataclasses
import threading
from typing import Optional


@dataclasses.dataclass(frozen=True)
class LoggedRequest:
    seq: int
    method: str
    path: str
    query: str
    status: int
    service: str
    caller: Optional[str]
    fault: Optional[str]
    started: float
    duration_ms: float

    def to_json(self) -> dict:
        return {
            "seq": self.seq,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "service": self.service,
            "caller": self.caller,
            "fault": self.fault,
            "started": self.started,
            "durationMs": round(self.duration_ms, 3),
        }

    @property
    def is_write(self) -> bool:
        """A request that may change state (what 'a redeploy sends no write' counts)."""
        return self.method.upper() in ("POST", "PUT", "PATCH", "DELETE")


class RequestLog:
    """Append-only, thread-safe; control-plane requests are not logged."""

    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._seq = 0

    def record(self, **fields) -> LoggedRequest:
        with self._lock:
            self._seq += 1
            entry = LoggedRequest(seq=self._seq, **fields)
            self._entries.append(entry)
            return entry

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
