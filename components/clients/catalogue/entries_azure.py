"""Catalogue entries for Microsoft Graph and Azure Resource Manager (Bot Service).

Codes from the Graph error reference (https://learn.microsoft.com/graph/errors) and the ARM error
envelope seen in practice (reference §2.4, §3.3, §6 rows 16-22, 25-26).
"""

from __future__ import annotations

from . import Entry

_GRAPH_ERRORS = "https://learn.microsoft.com/graph/errors"
_BOT_QUICKSTART = "https://learn.microsoft.com/azure/bot-service/abs-quickstart"

ENTRIES: tuple[Entry, ...] = (
    Entry(
        key="graph-authorization-denied",
        title="The deployer may not read or write applications (Graph Authorization_RequestDenied)",
        cause="The deployer lacks the Microsoft Graph application permission Application.ReadWrite.OwnedBy "
        "(or Application.ReadWrite.All), or admin consent was never granted for it.",
        mitigation="Grant the deployer's app registration the Graph application permission "
        "Application.ReadWrite.OwnedBy and grant admin consent; the deployer must own the bot's "
        "application registration.",
        link="https://learn.microsoft.com/graph/permissions-reference",
        retryable=False,
        service="graph",
        kind="permission",
        codes=("Authorization_RequestDenied",),
    ),
    Entry(
        key="graph-object-not-found",
        title="The directory object does not exist (yet) (Graph Request_ResourceNotFound)",
        cause="The application or service principal is not in the directory: a wrong id, or an object "
        "created seconds ago that has not replicated yet.",
        mitigation="If the object was just created, re-run after a minute (directory replication); otherwise "
        "check the bot's application (client) id.",
        link=_GRAPH_ERRORS,
        retryable=True,
        service="graph",
        kind="not_found",
        codes=("Request_ResourceNotFound",),
    ),
    Entry(
        key="arm-missing-subscription-registration",
        title="Microsoft.BotService is not registered in the subscription (MissingSubscriptionRegistration)",
        cause="The subscription has never used the Bot Service resource provider.",
        mitigation="Run `az provider register --namespace Microsoft.BotService` once per subscription (needs "
        "Contributor), then re-run the deployment.",
        link="https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/"
        "error-register-resource-provider",
        retryable=False,
        service="arm",
        kind="validation",
        codes=("MissingSubscriptionRegistration",),
    ),
    Entry(
        key="arm-authorization-failed",
        title="The deployer has no role on the Azure Bot's scope (AuthorizationFailed)",
        cause="The deployer has no role assignment that allows reading or writing "
        "Microsoft.BotService/botServices in the subscription or resource group.",
        mitigation="Assign the deployer Contributor (or a custom role with Microsoft.BotService/*) on the "
        "bot's resource group; role assignments can take a few minutes to apply.",
        link="https://learn.microsoft.com/azure/role-based-access-control/troubleshooting",
        retryable=False,
        service="arm",
        kind="permission",
        codes=("AuthorizationFailed",),
    ),
    Entry(
        key="arm-bot-not-found",
        title="The Azure Bot or its resource group does not exist (ResourceNotFound)",
        cause="botName or resourceGroupName is wrong, or the bot was deleted outside the stack.",
        mitigation="Check botName and resourceGroupName; if the bot was deleted, run `pulumi refresh` and "
        "`pulumi up` to create it again.",
        link=_BOT_QUICKSTART,
        retryable=False,
        service="arm",
        kind="not_found",
        codes=("ResourceNotFound", "ResourceGroupNotFound", "ParentResourceNotFound"),
    ),
    Entry(
        key="arm-bot-name-taken",
        title="The bot name is already registered to another bot (InvalidBotData)",
        cause="Azure Bot resource names are global across all tenants; another bot already has this name.",
        mitigation="Choose another botName, for example with an environment or company suffix.",
        link=_BOT_QUICKSTART,
        retryable=False,
        service="arm",
        kind="conflict",
        codes=("InvalidBotData",),
        message_contains="already registered",
    ),
    Entry(
        key="arm-msa-app-in-use",
        title="The application id is already used by another Azure Bot (InvalidBotData)",
        cause="One application registration can back only one Azure Bot.",
        mitigation="Give every bot (and every environment) its own application registration; the stack "
        "creates one per stack.",
        link=_BOT_QUICKSTART,
        retryable=False,
        service="arm",
        kind="conflict",
        codes=("InvalidBotData",),
        message_contains="MsaAppId is already in use",
    ),
    Entry(
        key="arm-invalid-bot-data",
        title="The Bot Service refused the bot's settings (InvalidBotData)",
        cause="A bot property is invalid (endpoint, app type, tenant id, name pattern).",
        mitigation="Read the service message; messagingEndpoint must be https and botAppType SingleTenant or "
        "UserAssignedMSI (multi-tenant bots can no longer be created).",
        link=_BOT_QUICKSTART,
        retryable=False,
        service="arm",
        kind="validation",
        codes=("InvalidBotData",),
    ),
    Entry(
        key="arm-teams-deployment-environment",
        title="Enabling the Teams channel fails on FallbackDeploymentEnvironment (UnknownError)",
        cause="The request carried the API spec's default deploymentEnvironment value, which the service "
        "cannot convert (a known spec bug, Azure/azure-rest-api-specs#28636).",
        mitigation="Send an explicit deploymentEnvironment (CommercialDeployment, or "
        "GCCModerateDeployment for GCC) or none at all, never the spec default; the stack's TeamsChannel "
        "sends an explicit value.",
        link="https://learn.microsoft.com/azure/bot-service/channel-connect-teams",
        retryable=False,
        service="arm",
        kind="validation",
        codes=("UnknownError",),
        message_contains="FallbackDeploymentEnvironment",
    ),
)
