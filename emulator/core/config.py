"""Run-time knobs of the emulator, set at start or through POST /_emulator/config."""

from __future__ import annotations

import dataclasses
import threading


@dataclasses.dataclass
class EmulatorConfig:
    """Defaults follow the real services where a figure is documented; tests lower them.

    token_lifetime: seconds an access token lives (Entra answers expires_in 3599).
    retry_after: seconds sent in Retry-After on service-protection 429s (Dataverse sends whole seconds).
    dataverse_max_requests / dataverse_window: per-caller request count over a sliding window
        (documented: 6,000 per 300 s).
    dataverse_max_concurrency: concurrent requests per caller (documented: 52).
    graph_replication_lag: how many reads of a newly created directory object answer 404 first.
    latency_ms: added to every API request (benchmarks use 50 ms).
    publish_delay_reads: how many reads of a bot after PvaPublish still answer its old `publishedon` (the real
        publish job is asynchronous); 0 publishes at once.
    publish_failures: how many of the next publish jobs finish Failed (synchronizationstatus
        `lastFinishedPublishOperation.status: Failed` with an `errorMessage`; a synthetic test fault, the
        status shape is community-observed [C]); 0: every job succeeds.
    """

    token_lifetime: int = 3599
    retry_after: int = 1
    dataverse_max_requests: int = 6000
    dataverse_window: float = 300.0
    dataverse_max_concurrency: int = 52
    graph_replication_lag: int = 0
    latency_ms: int = 0
    publish_delay_reads: int = 0
    publish_failures: int = 0

    _FIELDS = {
        "tokenLifetime": "token_lifetime",
        "retryAfter": "retry_after",
        "dataverseMaxRequests": "dataverse_max_requests",
        "dataverseWindow": "dataverse_window",
        "dataverseMaxConcurrency": "dataverse_max_concurrency",
        "graphReplicationLag": "graph_replication_lag",
        "latencyMs": "latency_ms",
        "publishDelayReads": "publish_delay_reads",
        "publishFailures": "publish_failures",
    }

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def update(self, body: dict) -> None:
        unknown = set(body) - set(self._FIELDS)
        if unknown:
            raise ValueError(f"unknown config fields: {sorted(unknown)}; known: {sorted(self._FIELDS)}")
        with self._lock:
            for key, value in body.items():
                current = getattr(self, self._FIELDS[key])
                if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                    raise ValueError(f"{key} must be a non-negative number")
                setattr(self, self._FIELDS[key], type(current)(value))

    def take_publish_failure(self) -> bool:
        """Whether this publish job fails (one of `publish_failures`, counted down)."""
        with self._lock:
            if self.publish_failures <= 0:
                return False
            self.publish_failures -= 1
            return True

    def to_json(self) -> dict:
        return {key: getattr(self, attr) for key, attr in self._FIELDS.items()}

    def reset(self) -> None:
        defaults = EmulatorConfig()
        with self._lock:
            for attr in self._FIELDS.values():
                setattr(self, attr, getattr(defaults, attr))
