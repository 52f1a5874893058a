"""A small Azure Resource Manager reader for the Azure Bot and its Microsoft Teams channel, so the
Omnichannel binding can fail early with "the Teams channel is not enabled" instead of a hand-off that
silently never reaches the bot.

Paths and shapes: Bot Service API 2022-09-15 (`.../providers/Microsoft.BotService/botServices/{name}` and
`.../channels/MsTeamsChannel`, whose `properties.properties.isEnabled` is the switch; reference §3).
Writes stay with pulumi-azure-native; this client only reads.
"""

from __future__ import annotations

import re
from typing import Any

from .. import validation
from . import errors
from .config import ClientConfig
from .http import ApiSession
from .records import AzureBot, TeamsChannel

API_VERSION = "2022-09-15"
_HEADERS = {"Accept": "application/json"}
_BOT_ID = re.compile(
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<group>[^/]+)/providers/"
    r"Microsoft\.BotService/botServices/(?P<name>[^/]+)",
    re.IGNORECASE,
)


def parse_bot_resource_id(resource_id: str) -> tuple[str, str, str]:
    """(subscription id, resource group, bot name) of an Azure Bot's ARM id; a ValueError naming the expected
    form otherwise. Pure: callers validate an id before any request (a provider's check)."""
    match = _BOT_ID.fullmatch(resource_id.strip()) if isinstance(resource_id, str) else None
    if match is None:
        raise ValueError(
            f"{resource_id!r} is not an Azure Bot resource id; use /subscriptions/<id>/"
            "resourceGroups/<group>/providers/Microsoft.BotService/botServices/<name>"
        )
    try:
        return (
            validation.check_guid(match["sub"]),
            validation.check_resource_group_name(match["group"]),
            validation.check_bot_name(match["name"]),
        )
    except ValueError as exc:
        raise ValueError(f"{resource_id!r} is not a valid Azure Bot resource id: {exc}") from None


class ArmBotReader:
    """Reads Azure Bots of one cloud as one identity."""

    def __init__(self, session: ApiSession) -> None:
        self._session = session

    @classmethod
    def connect(cls, config: ClientConfig, **options: Any) -> "ArmBotReader":
        """Signed in with `options` (tokens, environ, policy, sleeper: `ApiSession.connect`)."""
        return cls(
            ApiSession.connect(config, config.resource_manager, service="arm", headers=_HEADERS, **options)
        )

    @staticmethod
    def bot_path(subscription_id: str, resource_group: str, bot_name: str) -> str:
        """The bot's resource id; every part is validated before anything is sent."""
        return (
            f"subscriptions/{validation.check_guid(subscription_id)}"
            f"/resourceGroups/{validation.check_resource_group_name(resource_group)}"
            f"/providers/Microsoft.BotService/botServices/{validation.check_bot_name(bot_name)}"
        )

    def bot(self, subscription_id: str, resource_group: str, bot_name: str) -> AzureBot:
        path = self.bot_path(subscription_id, resource_group, bot_name)
        body = self._session.request(
            "GET",
            path,
            operation=f"read the Azure Bot {bot_name}",
            params={"api-version": API_VERSION},
            on_status={404: "arm-bot-not-found"},
        ).body
        return AzureBot.from_wire(body or {})

    def teams_channel(self, subscription_id: str, resource_group: str, bot_name: str) -> TeamsChannel:
        """The bot's Teams channel; `exists=False` when the bot has none (HTTP 404)."""
        path = self.bot_path(subscription_id, resource_group, bot_name) + "/channels/MsTeamsChannel"
        response = self._session.request(
            "GET",
            path,
            operation=f"read the Teams channel of {bot_name}",
            params={"api-version": API_VERSION},
            expected=(200, 404),
        )
        if response.status == 404:
            return TeamsChannel(exists=False, is_enabled=False, provisioning_state=None)
        return TeamsChannel.from_wire(response.body or {})

    def require_teams_channel(self, subscription_id: str, resource_group: str, bot_name: str) -> TeamsChannel:
        """The Teams channel, or ValidationError("teams-channel-disabled") when it is missing or disabled.
        Reads the bot first so a missing bot reports itself (arm-bot-not-found), not a missing channel."""
        self.bot(subscription_id, resource_group, bot_name)
        channel = self.teams_channel(subscription_id, resource_group, bot_name)
        if not channel.is_enabled:
            state = "has no Teams channel" if not channel.exists else "has its Teams channel disabled"
            raise errors.from_entry(
                "teams-channel-disabled",
                f"check the Teams channel of {bot_name}",
                f"the Azure Bot {bot_name} {state}",
            )
        return channel
