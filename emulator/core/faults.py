"""Injected faults: the next N requests matching a method and a path pattern fail in a chosen way.

Test faults, not Microsoft behaviour: "status", "drop" and "latency" stage what the services do under load;
"redirect", "body" and "trickle" are synthetic hostile answers (what a misconfigured or hostile proxy in
front of the service can send), so the clients' refusals can be tested. No Microsoft source describes them
and none is needed: the services never send them.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from typing import Optional

KINDS = ("status", "drop", "latency", "redirect", "body", "trickle")


@dataclasses.dataclass
class Fault:
    """One injection rule.

    kind: "status" answers `status` in the matched service's error shape (429 carries Retry-After and,
    for Dataverse, a service-protection `code`); "drop" closes the connection without an answer;
    "latency" delays the request by `latency_ms` and then serves it normally (a long one: a silent server).
    Synthetic (a hostile proxy's answers, see the module docstring):
    "redirect" answers `status` (a 3xx, default 307) with `Location: <location>`;
    "body" answers `status` with `body` as is under `content_type` (an HTML sign-in page with 200, a cut
    JSON body with 201, `[]` on a lookup);
    "trickle" sends `status` and headers announcing 1000 bytes, then one byte every `latency_ms`.
    retry_after: seconds, or any text (`1.5`, `soon`, an HTTP-date), sent as the Retry-After header.
    skip: let this many matching requests through before the rule fires (to hit the k-th request).
    """

    method: str = "*"
    path: str = ".*"
    kind: str = "status"
    status: int = 503
    count: int = 1
    skip: int = 0
    retry_after: Optional[object] = None  # int seconds or a raw header text
    code: Optional[str] = None
    latency_ms: int = 0
    location: str = "https://login.example.net/capture"
    body: str = ""
    content_type: str = "application/json"
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {KINDS}, not {self.kind!r}")
        if self.count < 1 or self.skip < 0:
            raise ValueError("fault count must be >= 1 and skip >= 0")
        self._pattern = re.compile(self.path)

    @classmethod
    def from_json(cls, body: dict) -> "Fault":
        names = {
            "method": "method",
            "path": "path",
            "kind": "kind",
            "status": "status",
            "count": "count",
            "skip": "skip",
            "retryAfter": "retry_after",
            "code": "code",
            "latencyMs": "latency_ms",
            "location": "location",
            "body": "body",
            "contentType": "content_type",
        }
        unknown = set(body) - set(names)
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**{names[k]: v for k, v in body.items()})

    def to_json(self) -> dict:
        return {
            "method": self.method,
            "path": self.path,
            "kind": self.kind,
            "status": self.status,
            "count": self.count,
            "skip": self.skip,
            "retryAfter": self.retry_after,
            "code": self.code,
            "latencyMs": self.latency_ms,
            "location": self.location,
            "body": self.body,
            "contentType": self.content_type,
            "fired": self.fired,
        }

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method.upper() == method.upper()) and bool(
            self._pattern.search(path)
        )


class FaultBook:
    """The active rules; thread-safe. A rule is removed once it has fired `count` times."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._rules.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def pending(self) -> list[dict]:
        with self._lock:
            return [f.to_json() for f in self._rules]

    def take(self, method: str, path: str) -> Optional[Fault]:
        """The first rule that fires for this request, consuming one of its shots."""
        with self._lock:
            for fault in self._rules:
                if not fault.matches(method, path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.fired += 1
                if fault.fired >= fault.count:
                    self._rules.remove(fault)
                return fault
        return None
