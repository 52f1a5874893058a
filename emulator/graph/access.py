"""Who may do what in the Graph subset, and the replication lag of new objects.

Permissions (app-only, reference §2 and §6 #25): any of Application.Read.All / Application.ReadWrite.* /
Directory.* reads; Application.ReadWrite.All writes anything; Application.ReadWrite.OwnedBy creates
applications (the caller becomes their owner) and changes only those it owns. Anything else: 403.

Replication lag (reference §2.2, §6 #26): with `graph_replication_lag = N`, an object created through Graph
is not found by its first N requests (404, or 400 when creating a service principal for a new app), as a
directory replica that has not caught up would answer.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Optional

from ..core.config import EmulatorConfig
from ..entra.directory import Application
from .errors import denied

READ_ROLES = frozenset(
    {
        "Application.Read.All",
        "Application.ReadWrite.All",
        "Application.ReadWrite.OwnedBy",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    }
)
WRITE_ALL_ROLES = frozenset({"Application.ReadWrite.All", "Directory.ReadWrite.All"})
WRITE_OWNED_ROLE = "Application.ReadWrite.OwnedBy"


@dataclasses.dataclass(frozen=True)
class Caller:
    """The application a verified Graph token speaks for."""

    app_id: str
    object_id: str  # its service principal
    tenant_id: str
    roles: tuple[str, ...]

    def require_read(self) -> None:
        if not READ_ROLES & set(self.roles):
            raise denied()

    def require_write(self, owned: Optional[Application] = None, *, creating: bool = False) -> None:
        """Creating needs either write role; changing an existing app needs ReadWrite.All or ownership."""
        roles = set(self.roles)
        if WRITE_ALL_ROLES & roles:
            return
        if WRITE_OWNED_ROLE in roles and (creating or (owned is not None and self.object_id in owned.owners)):
            return
        raise denied()


class ReplicationLag:
    """Counts down the requests each new object still misses; thread-safe."""

    def __init__(self, config: EmulatorConfig) -> None:
        self._config = config
        self._pending: dict[str, int] = {}
        self._lock = threading.Lock()

    def created(self, object_id: str) -> None:
        lag = int(self._config.graph_replication_lag)
        if lag > 0:
            with self._lock:
                self._pending[object_id] = lag

    def visible(self, object_id: str) -> bool:
        """False (and one request consumed) while the object is still replicating."""
        with self._lock:
            left = self._pending.get(object_id, 0)
            if left <= 0:
                return True
            if left == 1:
                del self._pending[object_id]
            else:
                self._pending[object_id] = left - 1
            return False

    def forget(self, object_id: str) -> None:
        with self._lock:
            self._pending.pop(object_id, None)

    def pending(self) -> dict[str, int]:
        with self._lock:
            return dict(self._pending)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
