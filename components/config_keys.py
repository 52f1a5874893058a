"""The stack configuration's keys: one typed table (`KEYS`), each key with its Pulumi.yaml schema type,
default, description and parser. The one parser of every value, whoever reads it: the program
(`components.settings`) and the dynamic providers (`components.clients.config`, `components.dynamic.base`)
parse a value with the same `parse_value`, so a value one accepts is never refused by the other.

Standard library and `components.validation` only: the clients, which never import pulumi, read it too.
Pulumi.yaml's `config:` schema and the README's configuration reference are checked against it
(tests/unit/test_stack_files.py, tests/unit/test_readme.py).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional

from components import names
from components import validation as v

PROJECT = names.PROJECT


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # the default of a key every stack (of the kinds it applies to) must set

#: The two kinds of bot (`handoff:botProvider`), each with its own path to Omnichannel (docs/binding.md):
#: a Copilot Studio agent is connected by Copilot Studio's Connect step; an Azure (Bot Framework) bot through
#: its Azure Bot's Omnichannel channel.
COPILOT_STUDIO = "copilotStudio"
AZURE_BOT = "other"
BOT_PROVIDERS = (COPILOT_STUDIO, AZURE_BOT)


@dataclasses.dataclass(frozen=True)
class ConfigKey:
    """One project configuration key: its Pulumi.yaml schema and how the program reads it."""

    name: str
    type: str  # Pulumi.yaml schema type: string, boolean, integer or array (of strings)
    default: Any  # REQUIRED when every stack must set it
    description: str
    parse: Callable[[Any], Any]  # raises ValueError(problem and fix)
    example: str = ""  # shown when a required key is missing
    applies_to: Optional[str] = None  # COPILOT_STUDIO or AZURE_BOT: the one bot kind it means something for


def _app_type(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() == "multitenant":
        raise ValueError(
            "'MultiTenant' bots can no longer be created (deprecated by Azure Bot Service); use "
            "SingleTenant or UserAssignedMSI"
        )
    return v.check_choice(value, ("SingleTenant", "UserAssignedMSI"))


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: "" if isinstance(value, str) and not value.strip() else parse(value)


def _with_fix(parse: Callable[[Any], Any], fix: str) -> Callable[[Any], Any]:
    """`parse`, its ValueError followed by where to find the right value."""

    def parse_or_say(value: Any) -> Any:
        try:
            return parse(value)
        except ValueError as exc:
            raise ValueError(f"{exc}; {fix}") from None

    return parse_or_say


PUBLISH_TIMEOUT_RANGE = (10, 3600)  # a publish job takes seconds to minutes; an hour is a hang
_OVERRIDE = _optional(_with_fix(v.check_endpoint_override, "leave it empty to use the cloud's endpoint"))


KEYS: tuple[ConfigKey, ...] = (
    ConfigKey(
        "tenantId",
        "string",
        REQUIRED,
        "Entra tenant GUID of the bot's app registration and Azure Bot",
        _with_fix(v.check_guid, "use the Directory (tenant) ID from the Entra admin center"),
        "<tenant GUID>",
    ),
    ConfigKey(
        "subscriptionId",
        "string",
        REQUIRED,
        "Azure subscription GUID that holds the Azure Bot",
        _with_fix(v.check_guid, "use the Subscription ID from the Azure portal"),
        "<subscription GUID>",
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "cloud",
        "string",
        "public",
        "Entra, ARM and Dataverse cloud: public (incl. GCC), usgovernment (GCC High, DoD) or china",
        v.check_cloud,
    ),
    ConfigKey(
        "geography",
        "string",
        REQUIRED,
        "Power Platform geography of the Dataverse environment; the bot must be in the same one",
        v.check_geography,
        "unitedstates",
    ),
    ConfigKey(
        "dataSharingAcknowledged",
        "boolean",
        False,
        "Must be true: you accept the data-sharing notice the portal shows before connecting a bot",
        v.check_bool,
    ),
    ConfigKey(
        "deployOrder",
        "integer",
        50,
        "CI deploy order of the stack: lower first, ties by stack name (scripts/stacks.py); "
        "the program ignores it",
        lambda value: v.check_int(value, 0, 999),
    ),
    ConfigKey(
        "resourceGroupName",
        "string",
        REQUIRED,
        "Existing resource group of the Azure Bot",
        v.check_resource_group_name,
        "rg-handoff-dev",
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "botName",
        "string",
        REQUIRED,
        "Azure Bot resource name: globally unique, 2-64 letters, digits, '_', '.' or '-'",
        v.check_bot_name,
        "contoso-handoff-dev",
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "botDisplayName",
        "string",
        REQUIRED,
        "Display name of the bot's app registration and Azure Bot",
        v.check_display_name,
        "Contoso Handoff (dev)",
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "botLocation",
        "string",
        "global",
        "global, or a regional location for data residency (westeurope, centralindia) in the geography",
        v.check_bot_location,
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "botSku",
        "string",
        "F0",
        "Azure Bot pricing tier: F0 or S1",
        lambda value: v.check_choice(value, ("F0", "S1")),
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "botAppType",
        "string",
        "SingleTenant",
        "SingleTenant (an app registration made here) or UserAssignedMSI; multi-tenant is deprecated",
        _app_type,
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "botMsiResourceId",
        "string",
        "",
        "ARM id of the user-assigned identity: required with UserAssignedMSI, empty otherwise",
        _optional(v.parse_user_assigned_identity_id),
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "messagingEndpoint",
        "string",
        REQUIRED,
        "https messaging endpoint of the bot",
        v.check_https_url,
        "https://bot.contoso.com/api/messages",
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "githubOidcSubjects",
        "array",
        [],
        "GitHub Actions subjects given a federated credential: repo:<owner>/<repo>:environment:<env>",
        lambda value: v.parse_list(value, v.github_credential),
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "azureDevOpsOidc",
        "array",
        [],
        "Azure DevOps service connections given a federated credential: "
        "<organizationId>/<organization>/<project>/<serviceConnection>",
        lambda value: v.parse_list(value, v.azure_devops_credential),
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "createClientSecret",
        "boolean",
        False,
        "Create a client secret (a secret stack output); prefer federated credentials",
        v.check_bool,
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "clientSecretRotation",
        "string",
        "",
        "Any label; change it to rotate the client secret",
        _optional(lambda value: v.check_display_name(value, limit=64)),
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "dataverseUrl",
        "string",
        REQUIRED,
        "Dataverse environment URL where Omnichannel runs, https://<org>.crm<N>.dynamics.com",
        v.check_dataverse_url,
        "https://contoso.crm.dynamics.com",
    ),
    ConfigKey(
        "copilotAgentSchemaName",
        "string",
        REQUIRED,
        "Schema name of the Copilot Studio agent",
        v.check_agent_schema_name,
        "cr5a1_contosoHelper",
        applies_to=COPILOT_STUDIO,
    ),
    ConfigKey(
        "copilotAgentName",
        "string",
        REQUIRED,
        "Display name of the Copilot Studio agent: at most 30 characters, longer fail to connect",
        v.check_agent_name,
        "Contoso Helper",
        applies_to=COPILOT_STUDIO,
    ),
    ConfigKey(
        "botProvider",
        "string",
        "copilotStudio",
        "copilotStudio: a Copilot Studio agent (connected by Copilot Studio's Connect); other: an Azure "
        "(Bot Framework) bot, reached through its Azure Bot's Omnichannel channel",
        lambda value: v.check_choice(value, BOT_PROVIDERS),
    ),
    ConfigKey(
        "copilotAgentAppId",
        "string",
        "",
        "App ID of the agent's bot application user that Copilot Studio's Connect made (Power Platform admin "
        "center, Application users); empty: the binding lists the candidates it finds",
        _optional(_with_fix(v.check_guid, "copy the App ID of the agent's bot user from Application users")),
        applies_to=COPILOT_STUDIO,
    ),
    ConfigKey(
        "teamsChannel",
        "boolean",
        True,
        "Also enable the Azure Bot's Microsoft Teams channel (Omnichannel uses the Omnichannel channel)",
        v.check_bool,
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "botAppMultiTenant",
        "boolean",
        False,
        "Register the bot's app as multi-tenant (AzureADMultipleOrgs), as Microsoft's Omnichannel doc asks; "
        "single tenant otherwise",
        v.check_bool,
        applies_to=AZURE_BOT,
    ),
    ConfigKey(
        "botCapacity",
        "integer",
        100,
        "Capacity of the bot user; the highest in its queue, so the bot takes conversations first",
        v.check_capacity,
    ),
    ConfigKey(
        "queue",
        "string",
        REQUIRED,
        "Omnichannel messaging queue the bot joins: name or GUID",
        lambda value: v.check_name_or_guid(value, "queue"),
        "Bot escalations",
    ),
    ConfigKey(
        "workstream",
        "string",
        REQUIRED,
        "Push workstream whose bot is this bot: name or GUID",
        lambda value: v.check_name_or_guid(value, "workstream"),
        "Contoso chat",
    ),
    ConfigKey(
        "contextVariables",
        "array",
        [],
        "Workstream context variables routing uses, as name:type (text or number); names are case-sensitive",
        v.parse_context_variables,
    ),
    ConfigKey(
        "publishAgent",
        "boolean",
        True,
        "Publish the agent when the binding changes (hand-off needs a published agent)",
        v.check_bool,
        applies_to=COPILOT_STUDIO,
    ),
    ConfigKey(
        "allowBindingRemoval",
        "boolean",
        False,
        "The documented override that lets a binding delete run (otherwise delete refuses)",
        v.check_bool,
    ),
    ConfigKey(
        "authorityHost",
        "string",
        "",
        "Override of the cloud's Entra authority host (offline emulator, private clouds)",
        _OVERRIDE,
    ),
    ConfigKey(
        "resourceManagerEndpoint",
        "string",
        "",
        "Override of the cloud's ARM endpoint",
        _OVERRIDE,
    ),
    ConfigKey(
        "dataverseApiEndpoint",
        "string",
        "",
        "Override of <dataverseUrl>/api/data/v9.2; the token audience stays dataverseUrl",
        _OVERRIDE,
    ),
    ConfigKey(
        "allowForeignEndpoints",
        "boolean",
        False,
        "Let the endpoint overrides name hosts outside the cloud's Microsoft hosts and loopback (credentials "
        "go there; warned on every run, a policy violation)",
        v.check_bool,
    ),
    ConfigKey(
        "publishTimeoutSeconds",
        "integer",
        120,
        "Seconds publishing the agent waits for Copilot Studio's publish job (10-3600) before "
        "agent-publish-pending",
        lambda value: v.check_int(value, *PUBLISH_TIMEOUT_RANGE),
        applies_to=COPILOT_STUDIO,
    ),
)
KEYS_BY_NAME: dict[str, ConfigKey] = {key.name: key for key in KEYS}


def schema_default(key: ConfigKey) -> Any:
    """The key's default in Pulumi.yaml. A key required for one bot kind only has the empty string there:
    Pulumi refuses a stack file that lacks a key without a default, and the other kind must not need it."""
    if key.default is REQUIRED and key.applies_to is not None:
        return ""
    return key.default


def applies(key: ConfigKey, bot_provider: str) -> bool:
    """Whether the key means something for this kind of bot (set on the other kind, it is refused)."""
    return key.applies_to is None or key.applies_to == bot_provider


# The keys `endpoint_problems` reads: both parsers (settings' cross-key rules and ClientConfig) pass them.
ENDPOINT_KEYS = ("cloud", *v.ENDPOINT_OVERRIDE_KEYS, "allowForeignEndpoints")


def foreign_endpoints(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, URL) of each endpoint override that names neither a Microsoft host of the stack's cloud nor
    loopback; `values` are parsed values of ENDPOINT_KEYS."""
    return [
        (key, values[key])
        for key in v.ENDPOINT_OVERRIDE_KEYS
        if values.get(key) and v.endpoint_host_kind(key, values[key], values["cloud"]) == "foreign"
    ]


def endpoint_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, problem and fix) for each foreign endpoint override without handoff:allowForeignEndpoints: the
    deployer's credentials and bearer tokens would go to that host."""
    if values.get("allowForeignEndpoints"):
        return []
    return [
        (
            key,
            f"{url} is not a {values['cloud']} cloud host of this service "
            f"({v.microsoft_hosts(key, values['cloud'])}) nor loopback, and the deployer's credentials "
            f"would be sent there; leave it empty, use one of those hosts, or, for a private cloud you "
            f"trust, set {PROJECT}:allowForeignEndpoints: true (README.md#endpoint-overrides)",
        )
        for key, url in foreign_endpoints(values)
    ]


def parse_value(name: str, raw: Optional[Any]) -> Any:
    """The parsed value of key `name`, or a ValueError with the problem and its fix. An absent value (None)
    takes the key's default (a REQUIRED key has none); any value given, blank included, is parsed."""
    key = KEYS_BY_NAME[name]
    value = key.default if raw is None else raw
    if value is REQUIRED:
        raise ValueError(f"is not set; add {PROJECT}:{key.name}: {key.example} to the stack file")
    return key.parse(value)
