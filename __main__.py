"""The hand-off of a bot to Omnichannel, per environment: composition only.

Validated settings, then by the stack's kind of bot (docs/binding.md, "Two kinds of bot"):
- a Copilot Studio agent (`handoff:botProvider: copilotStudio`): OmnichannelBinding only. Copilot Studio's
  Connect registers the agent and makes its bot user; the binding verifies that and declares the rest;
- an Azure (Bot Framework) bot (`other`): BotIdentity (its app registration, or a user-assigned identity)
  -> AzureBot (the Azure Bot, its Omnichannel channel and optionally Teams) -> OmnichannelBinding.
The binding is protected. Nothing is declared until the whole stack configuration is valid.
"""

from components.settings import require_supported_python

require_supported_python()  # before anything is pickled into state: pickles are tied to the Python version

import pulumi

from components.azure_bot import AzureBot, AzureBotArgs, arm_provider, managed_identity_client_id
from components.endpoints import declare_endpoints
from components.identity import BotIdentity, BotIdentityArgs, entra_provider
from components.omnichannel import OmnichannelBinding, OmnichannelBindingArgs
from components.settings import Settings, load_settings


def azure_bot_binding(settings: Settings) -> OmnichannelBindingArgs:
    """An Azure bot's identity and Azure Bot, and the binding's args that connect them."""
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
    bot = AzureBot(
        "channel",  # the component's name from 0.x, kept so URNs stay (components/azure_bot.py)
        AzureBotArgs.from_settings(settings, msa_app_id=bot_app_id),
        opts=pulumi.ResourceOptions(providers=[arm]),
    )
    pulumi.export("botResourceId", bot.bot_resource_id)
    pulumi.export("omnichannelChannelResourceId", bot.omnichannel_channel_id)
    if bot.teams_channel_id is not None:
        pulumi.export("teamsChannelResourceId", bot.teams_channel_id)
    return OmnichannelBindingArgs.from_settings(
        settings,
        bot_app_id=bot_app_id,
        azure_bot_id=bot.bot_resource_id,
        omnichannel_channel_id=bot.omnichannel_channel_id,
    )


settings = load_settings()
declare_endpoints(settings)  # the endpoint overrides, for the policy pack (nothing when there are none)
args = (
    OmnichannelBindingArgs.from_settings(settings)
    if settings.is_copilot_agent
    else azure_bot_binding(settings)
)
binding = OmnichannelBinding("omnichannel", args)

pulumi.export("botProvider", settings.bot_provider)
pulumi.export("tenantId", settings.tenant_id)
pulumi.export("geography", settings.geography)
pulumi.export("dataverseUrl", settings.omnichannel.dataverse_url)
pulumi.export("botAppId", binding.bot_app_id)
pulumi.export("botUserId", binding.bot_user_id)
pulumi.export("botUserAdopted", binding.bot_user_adopted)
pulumi.export("omnichannelQueueId", binding.queue_id)
pulumi.export("omnichannelWorkstreamId", binding.workstream_id)
pulumi.export("contextVariables", binding.context_variables)
if settings.is_copilot_agent:
    pulumi.export("agentPublishedOn", binding.published_on)
