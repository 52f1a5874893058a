"""A small Microsoft Graph reader: an application registration by its App (client) ID, to confirm the
bot's app exists in the deployer's tenant before anything is bound to it.

`GET /v1.0/applications(appId='{appId}')` is Graph's alternate-key read (reference §2.1); a 404 right after
the app was created is directory replication lag (the catalogue's graph-object-not-found is retryable).
"""

from __future__ import annotations

import time
from typing import Callable, Mapping, Optional

from .. import validation
from .auth import TokenProvider, token_provider
from .config import ClientConfig
from .http import ApiSession
from .records import GraphApplication
from .retry import RetryPolicy

_HEADERS = {"Accept": "application/json"}


class GraphReader:
    def __init__(self, session: ApiSession) -> None:
        self._session = session

    @classmethod
    def connect(
        cls,
        config: ClientConfig,
        *,
        tokens: Optional[TokenProvider] = None,
        environ: Optional[Mapping[str, str]] = None,
        policy: RetryPolicy = RetryPolicy(),
        sleeper: Callable[[float], None] = time.sleep,
    ) -> "GraphReader":
        session = ApiSession(
            config.graph,
            tokens or token_provider(config, environ),
            service="graph",
            headers=_HEADERS,
            policy=policy,
            sleeper=sleeper,
        )
        return cls(session)

    def application(self, app_id: str) -> GraphApplication:
        app = validation.check_guid(app_id)
        body = self._session.request(
            "GET",
            f"applications(appId='{app}')",
            operation=f"read the application {app}",
            params={"$select": "id,appId,displayName,signInAudience"},
        ).body
        return GraphApplication.from_wire(body or {})
