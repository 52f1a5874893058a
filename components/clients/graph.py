"""A small Microsoft Graph reader: an application registration by its App (client) ID, to confirm the
bot's app exists in the deployer's tenant before anything is bound to it.

`GET /v1.0/applications(appId='{appId}')` is Graph's alternate-key read (reference §2.1); a 404 right after
the app was created is directory replication lag (the catalogue's graph-object-not-found is retryable).
"""

from __future__ import annotations

from typing import Any

from .. import validation
from .config import ClientConfig
from .http import ApiSession
from .records import GraphApplication

_HEADERS = {"Accept": "application/json"}


class GraphReader:
    def __init__(self, session: ApiSession) -> None:
        self._session = session

    @classmethod
    def connect(cls, config: ClientConfig, **options: Any) -> "GraphReader":
        """Signed in with `options` (tokens, environ, policy, sleeper: `ApiSession.connect`)."""
        return cls(ApiSession.connect(config, config.graph, service="graph", headers=_HEADERS, **options))

    def application(self, app_id: str) -> GraphApplication:
        app = validation.check_guid(app_id)
        body = self._session.request(
            "GET",
            f"applications(appId='{app}')",
            operation=f"read the application {app}",
            params={"$select": "id,appId,displayName,signInAudience"},
        ).body
        return GraphApplication.from_wire(body or {})
