"""AzureBot (`handoff:azurebot:AzureBot`): an Azure (Bot Framework) bot's Azure Bot and its channels
(azure-native botservice). Declared only for `handoff:botProvider: other`: a Copilot Studio agent is
registered by Copilot Studio's Connect, with no Azure Bot of the customer's (reference Corrections 1).

Children: `<name>-bot` (Bot, kind azurebot, SingleTenant or UserAssignedMSI), `<name>-omnichannel` (Channel
Omnichannel: the channel Omnichannel reaches the bot through, configure-bot-azure.md "Channels >
Omnichannel > Apply"; ARM body `{"location": "global", "properties": {"channelName": "Omnichannel"}}`,
reference §3.2) and, with `handoff:teamsChannel` (default true), `<name>-teams` (Channel MsTeamsChannel,
enabled), an extra channel for the same bot.

API facts handled here (../shared/reference/microsoft-apis.md §3):
- `msaAppId`, `msaAppTenantId` (and `kind`) are create-only: the service rejects an update with
  "'MsaAppTenantId' property cannot be changed". `replace_on_changes` makes the engine plan a replace instead
  of a failing update; because the Bot is protected, that replace stops with "resource is protected" until
  someone decides to replace the bot. Bot names are global, so replacements delete first
  (`delete_before_replace`).
- `deploymentEnvironment` of the Teams channel: the REST spec's default `FallbackDeploymentEnvironment` is
  rejected by the service (`UnknownError ... Error converting value "FallbackDeploymentEnvironment"`:
  Azure/azure-rest-api-specs#28636, Azure/azure-cli-extensions#5618, Azure/azure-sdk-for-python#35035). The
  installed pulumi-azure-native 3.29.0 fills `CommercialDeployment` when the field is left out (its older
  generated SDKs filled the spec default); we never rely on a generated default and always send the value the
  portal and the azurerm provider use: `CommercialDeployment`, or `GCCModerateDeployment` for a GCC
  environment (azurerm `bot_channel_ms_teams` documents exactly these two values).

Protection: the Bot and its Omnichannel channel are `protect=True` (deleting either disconnects the bot from
Omnichannel; the bot's global name may be taken meanwhile). The Teams channel is not protected: it can be
re-enabled on the same bot without changing any identity, and drift detection reports it disabled or missing.

URNs: the component was `handoff:teams:TeamsChannel` in 0.x; that token is an alias, so state written then
keeps its bot and Teams channel.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Optional

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import botservice, managedidentity

from components import names
from components.settings import Settings

TYPE_TOKEN = names.AZURE_BOT_COMPONENT
TEAMS_CHANNEL = "MsTeamsChannel"
OMNICHANNEL_CHANNEL = "Omnichannel"
GEOGRAPHY_TAG = names.GEOGRAPHY_TAG
CREATE_ONLY_PROPERTIES = ("kind", "properties.msaAppId", "properties.msaAppTenantId")
COMMERCIAL_DEPLOYMENT = "CommercialDeployment"
GCC_MODERATE_DEPLOYMENT = "GCCModerateDeployment"


def teams_deployment_environment(geography: str) -> str:
    """The Teams channel's deployment environment: GCC environments use the GCC (moderate) Teams service.

    For GCC High, DoD and 21Vianet no value is documented; CommercialDeployment (the SDK's own default) is
    sent and the live tests are where a user settles it [I].
    """
    return GCC_MODERATE_DEPLOYMENT if geography == "usgov" else COMMERCIAL_DEPLOYMENT


def arm_provider(settings: Settings, name: str = "azure-native") -> azure_native.Provider:
    """The azure-native provider for this stack's subscription, tenant and cloud; credentials from ARM_*."""
    return azure_native.Provider(
        name,
        subscription_id=settings.subscription_id,
        tenant_id=settings.tenant_id,
        environment=settings.cloud,
    )


def managed_identity_client_id(settings: Settings, provider: pulumi.ProviderResource) -> pulumi.Output[str]:
    """The client id of the bot's user-assigned identity (a UserAssignedMSI bot's `msaAppId`)."""
    msi = settings.bot.msi if settings.bot else None
    if msi is None:
        raise ValueError("the bot has no user-assigned identity (handoff:botAppType is SingleTenant)")
    found = managedidentity.get_user_assigned_identity_output(
        resource_group_name=msi.resource_group_name,
        resource_name=msi.name,
        opts=pulumi.InvokeOutputOptions(provider=provider),
    )
    return found.client_id


@dataclasses.dataclass(frozen=True, kw_only=True)
class AzureBotArgs:
    bot_name: str
    """Azure Bot resource name (global)."""
    display_name: str
    """Display name of the bot."""
    resource_group_name: str
    """Existing resource group of the bot."""
    messaging_endpoint: str
    """https messaging endpoint."""
    tenant_id: str
    """Tenant of the bot's identity (`msaAppTenantId`)."""
    msa_app_id: pulumi.Input[str]
    """Client id of the bot's identity: the app registration's, or the user-assigned identity's."""
    geography: str
    """Declared geography, written to the `handoff-geography` tag and used for the Teams deployment
    environment."""
    location: str = "global"
    """`global` or a regional location for data residency."""
    sku: str = "F0"
    app_type: str = "SingleTenant"
    msi_resource_id: str = ""
    """ARM id of the user-assigned identity (UserAssignedMSI only)."""
    teams_channel: bool = True
    """Also enable the Microsoft Teams channel."""
    tags: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """More tags; `handoff-geography` is always set from `geography`."""

    @classmethod
    def from_settings(cls, settings: Settings, msa_app_id: pulumi.Input[str]) -> "AzureBotArgs":
        bot = settings.bot
        if bot is None:
            raise ValueError("a Copilot Studio agent has no Azure Bot of the stack's (handoff:botProvider)")
        msi = bot.msi
        msi_id = (
            (
                f"/subscriptions/{msi.subscription_id}/resourceGroups/{msi.resource_group_name}/providers/"
                f"Microsoft.ManagedIdentity/userAssignedIdentities/{msi.name}"
            )
            if msi
            else ""
        )
        return cls(
            bot_name=bot.name,
            display_name=bot.display_name,
            resource_group_name=bot.resource_group_name,
            messaging_endpoint=bot.messaging_endpoint,
            tenant_id=settings.tenant_id,
            msa_app_id=msa_app_id,
            geography=settings.geography,
            location=bot.location,
            sku=bot.sku,
            app_type=bot.app_type,
            msi_resource_id=msi_id,
            teams_channel=bot.teams_channel,
            tags={"handoff-stack": settings.stack} if settings.stack else {},
        )


class AzureBot(pulumi.ComponentResource):
    """The Azure Bot registration with its Omnichannel channel (and, by default, its Teams channel)."""

    bot_resource_id: pulumi.Output[str]
    bot_name: pulumi.Output[str]
    omnichannel_channel_id: pulumi.Output[str]
    teams_channel_id: Optional[pulumi.Output[str]]

    def __init__(self, name: str, args: AzureBotArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        aliases = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=names.TEAMS_COMPONENT)])
        super().__init__(TYPE_TOKEN, name, None, pulumi.ResourceOptions.merge(opts, aliases))
        bot = botservice.Bot(
            f"{name}-bot",
            resource_group_name=args.resource_group_name,
            resource_name_=args.bot_name,
            kind=botservice.Kind.AZUREBOT,
            location=args.location,
            sku=botservice.SkuArgs(name=args.sku),
            properties=botservice.BotPropertiesArgs(
                display_name=args.display_name,
                endpoint=args.messaging_endpoint,
                msa_app_id=args.msa_app_id,
                msa_app_type=args.app_type,
                msa_app_tenant_id=args.tenant_id,
                msa_app_msi_resource_id=args.msi_resource_id or None,
            ),
            tags={**args.tags, GEOGRAPHY_TAG: args.geography},
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=True,
                delete_before_replace=True,
                replace_on_changes=list(CREATE_ONLY_PROPERTIES),
            ),
        )

        def channel(
            kind: str, channel_name: str, properties: pulumi.Input, protect: bool
        ) -> botservice.Channel:
            # One channel of a name per bot at a fixed ARM path: a create-before-delete replace would PUT and
            # then DELETE the same resource, so channels delete first.
            return botservice.Channel(
                f"{name}-{kind}",
                resource_group_name=args.resource_group_name,
                resource_name_=bot.name,
                channel_name=channel_name,
                location=args.location,
                properties=properties,
                opts=pulumi.ResourceOptions(parent=self, protect=protect, delete_before_replace=True),
            )

        # A regional bot's channels live in the bot's location [I: as ARM exports show]; `global` otherwise.
        omnichannel = channel(
            "omnichannel",
            OMNICHANNEL_CHANNEL,
            botservice.OmnichannelArgs(channel_name=OMNICHANNEL_CHANNEL, location=args.location),
            protect=True,
        )
        self.teams_channel_id = None
        if args.teams_channel:
            teams = channel(
                "teams",
                TEAMS_CHANNEL,
                botservice.MsTeamsChannelArgs(
                    channel_name=TEAMS_CHANNEL,
                    location=args.location,
                    properties=botservice.MsTeamsChannelPropertiesArgs(
                        is_enabled=True,
                        enable_calling=False,
                        deployment_environment=teams_deployment_environment(args.geography),
                    ),
                ),
                protect=False,
            )
            self.teams_channel_id = teams.id

        self.bot_resource_id = bot.id
        self.bot_name = bot.name
        self.omnichannel_channel_id = omnichannel.id
        outputs = {
            "bot_resource_id": self.bot_resource_id,
            "bot_name": self.bot_name,
            "omnichannel_channel_id": self.omnichannel_channel_id,
        }
        if self.teams_channel_id is not None:
            outputs["teams_channel_id"] = self.teams_channel_id
        self.register_outputs(outputs)
