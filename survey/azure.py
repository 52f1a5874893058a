"""The Azure side of a stack's survey (an Azure bot's stack only), read with the product's own ARM and Graph
readers (GET requests only): the stack's Azure Bot, its channels, and the app registration its `msaAppId`
names. A Copilot Studio agent has nothing of the stack's in Azure (README, "Two kinds of bot")."""

from __future__ import annotations

import dataclasses
from typing import Optional

from components.clients import errors
from components.clients.arm import ArmBotReader
from components.clients.graph import GraphReader
from components.clients.records import OMNICHANNEL_CHANNEL, AzureBot, GraphApplication
from components.settings import Settings

from .model import ChannelRow

TEAMS_CHANNEL = "MsTeamsChannel"
#: The channels the survey reads: the two a stack declares (components/azure_bot.py).
CHANNELS = (OMNICHANNEL_CHANNEL, TEAMS_CHANNEL)


@dataclasses.dataclass(frozen=True)
class AzureSide:
    bot: Optional[AzureBot]  # None: no Azure Bot of the stack's name
    bot_resource_id: str
    channels: tuple[ChannelRow, ...]
    application: Optional[GraphApplication]  # the app registration of the bot's msaAppId, when found


def read(settings: Settings, arm: ArmBotReader, graph: Optional[GraphReader]) -> AzureSide:
    bot_settings, subscription = settings.bot, settings.subscription_id
    assert bot_settings is not None and subscription  # an Azure bot's stack (settings validated)
    where = (subscription, bot_settings.resource_group_name, bot_settings.name)
    resource_id = "/" + ArmBotReader.bot_path(*where)
    try:
        bot = arm.bot(*where)
    except errors.NotFoundError:
        return AzureSide(None, resource_id, (), None)
    channels = []
    for name in CHANNELS:
        channel = arm.channel(*where, name)
        channels.append(
            ChannelRow(
                bot_settings.name, name, channel.exists, channel.is_enabled, channel.provisioning_state
            )
        )
    application = None
    if graph is not None and bot.msa_app_id and bot_settings.app_type == "SingleTenant":
        try:
            application = graph.application(bot.msa_app_id)
        except errors.NotFoundError:
            application = None
    return AzureSide(bot, resource_id, tuple(channels), application)
