"""The hand-off of a bot to Omnichannel, per environment: composition only.

Validated settings -> providers -> BotIdentity (the bot's app registration) -> TeamsChannel (Azure Bot and its
Teams channel) -> OmnichannelBinding (the bot's connection in the Dataverse environment, protected) -> stack
outputs. Nothing is declared until the whole stack configuration is valid.
"""

from components.settings import require_supported_python

require_supported_python()  # before anything is pickled into state: pickles are tied to the Python version

import pulumi

from components.endpoints import declare_endpoints
from components.identity import BotIdentity, BotIdentityArgs, entra_provider
from components.omnichannel import OmnichannelBinding, OmnichannelBindingArgs
from components.settings import load_settings
from components.teams import (
    TeamsChannel,
    TeamsChannelArgs,
    arm_provider,
    managed_identity_client_id,
)

settings = load_settings()
declare_endpoints(settings)  # the endpoint overrides, for the policy pack (nothing when there are none)
arm = arm_provider(settings)

if settings.bot.app_type == "SingleTenant":
    identity = BotIdentity(
        "bot",
        BotIdentityArgs.from_settings(settings),
        opts=pulumi.ResourceOptions(providers=[entra_provider(settings)]),
    )
    bot_app_id = identity.client_id
    pulumi.export("botAppObjectId", identity.object_id)
    if identity.client_secret is not None:
        pulumi.export("botClientSecret", identity.client_secret)
else:  # UserAssignedMSI: the managed identity is the bot's identity; there is no app registration to make
    bot_app_id = managed_identity_client_id(settings, arm)

teams = TeamsChannel(
    "channel",
    TeamsChannelArgs.from_settings(settings, msa_app_id=bot_app_id),
    opts=pulumi.ResourceOptions(providers=[arm]),
)
binding = OmnichannelBinding(
    "omnichannel",
    OmnichannelBindingArgs.from_settings(
        settings,
        bot_app_id=bot_app_id,
        azure_bot_id=teams.bot_resource_id,
        teams_channel_id=teams.channel_resource_id,
    ),
)

pulumi.export("botAppId", bot_app_id)
pulumi.export("tenantId", settings.tenant_id)
pulumi.export("geography", settings.geography)
pulumi.export("botResourceId", teams.bot_resource_id)
pulumi.export("teamsChannelResourceId", teams.channel_resource_id)
pulumi.export("dataverseUrl", settings.omnichannel.dataverse_url)
pulumi.export("botUserId", binding.bot_user_id)
pulumi.export("botUserAdopted", binding.bot_user_adopted)
pulumi.export("omnichannelQueueId", binding.queue_id)
pulumi.export("omnichannelWorkstreamId", binding.workstream_id)
pulumi.export("contextVariables", binding.context_variables)
pulumi.export("agentPublishedOn", binding.published_on)
