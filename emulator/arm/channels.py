"""The rules of `botServices/{name}/channels/{channelName}` (reference §3.2, §6 #16 and #21).

Emulated: MsTeamsChannel, Omnichannel, DirectLineChannel and WebChatChannel; the other names of the
2022-09-15 enum are refused with a clear "not emulated" answer rather than a made-up behaviour.
- The body's `properties.channelName` must name the channel of the URL.
- MsTeamsChannel requires `isEnabled`; `deploymentEnvironment: "FallbackDeploymentEnvironment"` (the spec's
  default, which SDKs send) fails with the service's UnknownError 500, as the real service does today.
- Creating a channel on a bot whose `iconUrl` is not HTTPS fails with UnknownError 500.
"""

from __future__ import annotations

import copy
import uuid
from typing import Optional

from .errors import ArmError, invalid_channel, invalid_json, unknown_error
from .state import ArmState, Bot, Channel, new_etag

CHANNEL_NAMES = (
    "AlexaChannel",
    "FacebookChannel",
    "EmailChannel",
    "KikChannel",
    "TelegramChannel",
    "SlackChannel",
    "MsTeamsChannel",
    "SkypeChannel",
    "WebChatChannel",
    "DirectLineChannel",
    "SmsChannel",
    "LineChannel",
    "DirectLineSpeechChannel",
    "OutlookChannel",
    "Omnichannel",
    "TelephonyChannel",
    "AcsChatChannel",
    "SearchAssistant",
    "M365Extensions",
)
EMULATED = ("MsTeamsChannel", "Omnichannel", "DirectLineChannel", "WebChatChannel")
_SHORT = {
    "MsTeamsChannel": "msteams",
    "WebChatChannel": "webchat",
    "DirectLineChannel": "directline",
    "Omnichannel": "omnichannel",
}
FALLBACK_ENVIRONMENT = "FallbackDeploymentEnvironment"
_FALLBACK_MESSAGE = (
    "An unexpected error occurred. Exception: 'Newtonsoft.Json.JsonSerializationException: Error converting "
    "value "
    f"\"{FALLBACK_ENVIRONMENT}\" to type 'Microsoft.Bot.Internal.Schema.ApsDeploymentEnvironment'. Path "
    f"'properties.deploymentEnvironment'. ---> System.ArgumentException: Requested value "
    f"'{FALLBACK_ENVIRONMENT}' "
    "was not found.'"
)
_TEAMS_DEFAULTS = {
    "isEnabled": None,
    "enableCalling": False,
    "callingWebhook": None,
    "incomingCallRoute": None,
    "acceptedTerms": None,
}


def short_name(channel_name: str) -> str:
    """The form configuredChannels/enabledChannels use (msteams, webchat, directline, omnichannel)."""
    return _SHORT.get(channel_name, channel_name.replace("Channel", "").lower())


def canonical(name: str) -> str:
    """The enum spelling of a channel name from the URL (ARM paths are case-insensitive)."""
    found = next((c for c in CHANNEL_NAMES if c.lower() == name.lower()), None)
    if found is None:
        raise invalid_channel(
            f"The channel name '{name}' is not valid. Valid names: {', '.join(CHANNEL_NAMES)}."
        )
    if found not in EMULATED:
        raise ArmError(
            400,
            "ChannelNotEmulated",
            f"The offline emulator does not emulate the {found}; it emulates {', '.join(EMULATED)}.",
        )
    return found


def default_channels(location: str) -> dict[str, Channel]:
    """Web Chat and Direct Line, which every new bot has (their keys are only shown by
    listChannelWithKeys)."""

    def site(name: str, **extra) -> dict:
        return {
            "siteId": str(uuid.uuid4()),
            "siteName": name,
            "isEnabled": True,
            "key": None,
            "key2": None,
            **extra,
        }

    web_chat = Channel(
        "WebChatChannel", location, {"sites": [site("Default Site", isWebchatPreviewEnabled=True)]}
    )
    direct_line = Channel(
        "DirectLineChannel",
        location,
        {
            "sites": [
                site(
                    "Default Site",
                    isV1Enabled=True,
                    isV3Enabled=True,
                    isSecureSiteEnabled=False,
                    isBlockUserUploadEnabled=False,
                    trustedOrigins=[],
                )
            ],
            "extensionKey1": None,
            "extensionKey2": None,
        },
    )
    return {"webchatchannel": web_chat, "directlinechannel": direct_line}


def put_channel(state: ArmState, bot: Bot, name: str, body) -> tuple[Channel, bool]:
    """Create or replace a channel; returns (channel, created)."""
    inner = _inner(name, body)
    with state.lock:
        existing = bot.channels.get(name.lower())
        if existing is None:
            icon = str(bot.properties.get("iconUrl") or "")
            if icon and not icon.lower().startswith("https://"):
                raise unknown_error("UserTileExtraLargeUrl must use HTTPS")
        channel = Channel(name=name, location=body.get("location") or "global", properties=inner)
        bot.channels[name.lower()] = channel
        return channel, existing is None


def patch_channel(state: ArmState, bot: Bot, channel: Channel, body) -> Channel:
    if not isinstance(body, dict):
        raise invalid_json()
    properties = body.get("properties") or {}
    if properties.get("channelName") and properties["channelName"] != channel.name:
        raise _mismatch(properties["channelName"], channel.name)
    changes = properties.get("properties") or {}
    with state.lock:
        merged = {**(channel.properties or {}), **changes} if channel.properties is not None else None
        if channel.name == "MsTeamsChannel":
            _check_teams(merged)
        channel.properties = merged
        channel.etag = new_etag()
    return channel


def delete_channel(state: ArmState, bot: Bot, name: str) -> bool:
    with state.lock:
        return bot.channels.pop(name.lower(), None) is not None


def _inner(name: str, body) -> Optional[dict]:
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        raise invalid_json()
    given = body["properties"].get("channelName")
    if given != name:
        raise _mismatch(given, name)
    inner = copy.deepcopy(body["properties"].get("properties"))
    if name == "Omnichannel":
        return None
    if name == "MsTeamsChannel":
        merged = {**_TEAMS_DEFAULTS, **(inner or {})}
        _check_teams(merged)
        return merged
    return inner if inner is not None else default_channels("global")[name.lower()].properties


def _check_teams(properties: dict) -> None:
    if properties.get("deploymentEnvironment") == FALLBACK_ENVIRONMENT:
        raise unknown_error(_FALLBACK_MESSAGE)
    if not isinstance(properties.get("isEnabled"), bool):
        raise invalid_channel(
            "MsTeamsChannel: the property 'isEnabled' is required and must be true or false."
        )


def _mismatch(given, name: str) -> ArmError:
    return invalid_channel(
        f"The channelName '{given}' in the request body does not match the channel '{name}' "
        "in the request URL."
    )


def channel_json(bot: Bot, channel: Channel) -> dict:
    properties = {
        "channelName": channel.name,
        "etag": channel.etag,
        "provisioningState": "Succeeded",
        "location": channel.location,
    }
    if channel.properties is not None:
        properties["properties"] = copy.deepcopy(channel.properties)
    return {
        "id": f"{bot.id}/channels/{channel.name}",
        "name": f"{bot.name}/{channel.name}",
        "type": "Microsoft.BotService/botServices/channels",
        "location": channel.location,
        "etag": channel.etag,
        "properties": properties,
    }
