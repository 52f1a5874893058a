"""A small Azure Resource Manager reader for the Azure Bot and its channels, so the Omnichannel binding of an
Azure (Bot Framework) bot can fail early with "the Omnichannel channel is missing" instead of a hand-off
that silently never reaches the bot.

Paths and shapes: Bot Service API 2022-09-15 (`.../providers/Microsoft.BotService/botServices/{name}` and
`.../channels/{channelName}`; the `Omnichannel` channel has no inner properties, its existence is the switch;
`MsTeamsChannel`'s is `properties.properties.isEnabled`; reference §3.2 and Corrections 2).
Writes stay with pulumi-azure-native; this client only reads.
"""

from __future__ import annotations

import re
from typing import Any

from .. import validation
from . import errors
from .config import ClientConfig
from .http import ApiSession
from .records import OMNICHANNEL_CHANNEL, AzureBot, BotChannel

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

    def channel(self, subscription_id: str, resource_group: str, bot_name: str, name: str) -> BotChannel:
        """One of the bot's channels (`Omnichannel`, `MsTeamsChannel`); `exists=False` on HTTP 404."""
        path = f"{self.bot_path(subscription_id, resource_group, bot_name)}/channels/{name}"
        response = self._session.request(
            "GET",
            path,
            operation=f"read the {name} channel of {bot_name}",
            params={"api-version": API_VERSION},
            expected=(200, 404),
        )
        if response.status == 404:
            return BotChannel(name=name, exists=False, is_enabled=False, provisioning_state=None)
        return BotChannel.from_wire(name, response.body or {})

    def require_omnichannel_channel(
        self, subscription_id: str, resource_group: str, bot_name: str
    ) -> BotChannel:
        """The Omnichannel channel, or ValidationError("omnichannel-channel-missing"): the channel Omnichannel
        reaches an Azure bot through (configure-bot-azure.md). Reads the bot first so a missing bot reports
        itself (arm-bot-not-found), not a missing channel."""
        self.bot(subscription_id, resource_group, bot_name)
        channel = self.channel(subscription_id, resource_group, bot_name, OMNICHANNEL_CHANNEL)
        if not channel.is_enabled:
            raise errors.from_entry(
                "omnichannel-channel-missing",
                f"check the Omnichannel channel of {bot_name}",
                f"the Azure Bot {bot_name} has no Omnichannel channel",
            )
        return channel
