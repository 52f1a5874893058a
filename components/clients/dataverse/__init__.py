"""The Dataverse Web API client of the Omnichannel binding: typed methods, typed records.

    client = DataverseClient.connect(config, "https://contoso-dev.crm.dynamics.com")
    bu = client.root_business_unit()

`connect` resolves the deployer's credentials (credentials.py), points requests at the environment's Web
API (or the `dataverseApiEndpoint` override) and asks tokens for the environment URL itself.
"""

from __future__ import annotations

from typing import Any

from ..config import ClientConfig
from ..http import ApiSession
from .agents import AgentsMixin
from .base import ODATA_HEADERS
from .routing import RoutingMixin
from .users import BotUserSpec, UsersMixin

__all__ = ["DataverseClient", "BotUserSpec"]


class DataverseClient(UsersMixin, RoutingMixin, AgentsMixin):
    """One environment, one identity. Not picklable: build it where it is used (configure(), a call)."""

    @classmethod
    def connect(cls, config: ClientConfig, environment_url: str, **options: Any) -> "DataverseClient":
        """Signed in with `options` (tokens, environ, policy, sleeper: `ApiSession.connect`)."""
        return cls(
            ApiSession.connect(
                config,
                config.dataverse(environment_url),
                service="dataverse",
                headers=ODATA_HEADERS,
                **options,
            )
        )
