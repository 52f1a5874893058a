"""Stack config -> frozen, typed settings, validated once before any resource is declared.

`KEYS` is the one typed table of the project's configuration: Pulumi.yaml's `config:` schema and the README's
configuration reference are checked against it (tests/unit/test_stack_files.py; tests/unit/test_readme.py,
which also regenerates the README table: `python -m tests.unit.test_readme`). Parsing collects every problem
and raises one `ConfigError` naming each bad key with its fix.
"""

from __future__ import annotations

import dataclasses
import difflib
import sys
from typing import Any, Callable, Mapping, Optional

from pulumi.errors import RunError

from components import validation as v

PROJECT = "handoff"
SUPPORTED_PYTHON = (3, 11)


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # the default of a key every stack must set


class ConfigError(RunError):
    """The stack configuration is invalid; `problems` lists (key, message) for every bad key.

    A `pulumi.RunError`, like the SDK's own ConfigMissingError: the language host then ends the program with
    the message alone instead of the source text and a stack trace (pulumi/errors.py)."""

    def __init__(self, problems: list[tuple[str, str]], stack: str = "") -> None:
        self.problems = tuple(sorted(problems))
        where = f"Pulumi.{stack}.yaml" if stack else "the stack configuration"
        lines = "\n".join(f"  {PROJECT}:{key}: {message}" for key, message in self.problems)
        count = len(self.problems)
        super().__init__(
            f"{where} has {count} configuration problem{'s' * (count != 1)}; nothing was deployed:\n{lines}"
        )

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.problems)


class PythonVersionError(RuntimeError):
    """The program runs on a Python other than the one its state pickles are tied to."""


@dataclasses.dataclass(frozen=True)
class ConfigKey:
    """One project configuration key: its Pulumi.yaml schema and how the program reads it."""

    name: str
    type: str  # Pulumi.yaml schema type: string, boolean, integer or array (of strings)
    default: Any  # REQUIRED when every stack must set it
    description: str
    parse: Callable[[Any], Any]  # raises ValueError(problem and fix)
    example: str = ""  # shown when a required key is missing


def _app_type(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() == "multitenant":
        raise ValueError(
            "'MultiTenant' bots can no longer be created (deprecated by Azure Bot Service); use "
            "SingleTenant or UserAssignedMSI"
        )
    return v.check_choice(value, ("SingleTenant", "UserAssignedMSI"))


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: "" if isinstance(value, str) and not value.strip() else parse(value)


KEYS: tuple[ConfigKey, ...] = (
    ConfigKey(
        "tenantId",
        "string",
        REQUIRED,
        "Entra tenant GUID of the bot's app registration and Azure Bot",
        v.check_guid,
        "<tenant GUID>",
    ),
    ConfigKey(
        "subscriptionId",
        "string",
        REQUIRED,
        "Azure subscription GUID that holds the Azure Bot",
        v.check_guid,
        "<subscription GUID>",
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
        "resourceGroupName",
        "string",
        REQUIRED,
        "Existing resource group of the Azure Bot",
        v.check_resource_group_name,
        "rg-handoff-dev",
    ),
    ConfigKey(
        "botName",
        "string",
        REQUIRED,
        "Azure Bot resource name: globally unique, 2-64 letters, digits, '_', '.' or '-'",
        v.check_bot_name,
        "contoso-handoff-dev",
    ),
    ConfigKey(
        "botDisplayName",
        "string",
        REQUIRED,
        "Display name of the bot's app registration and Azure Bot",
        v.check_display_name,
        "Contoso Handoff (dev)",
    ),
    ConfigKey(
        "botLocation",
        "string",
        "global",
        "global, or a regional location for data residency (westeurope, centralindia) in the geography",
        v.check_bot_location,
    ),
    ConfigKey(
        "botSku",
        "string",
        "F0",
        "Azure Bot pricing tier: F0 or S1",
        lambda value: v.check_choice(value, ("F0", "S1")),
    ),
    ConfigKey(
        "botAppType",
        "string",
        "SingleTenant",
        "SingleTenant (an app registration made here) or UserAssignedMSI; multi-tenant is deprecated",
        _app_type,
    ),
    ConfigKey(
        "botMsiResourceId",
        "string",
        "",
        "ARM id of the user-assigned identity: required with UserAssignedMSI, empty otherwise",
        _optional(v.parse_user_assigned_identity_id),
    ),
    ConfigKey(
        "messagingEndpoint",
        "string",
        REQUIRED,
        "https messaging endpoint of the bot",
        v.check_https_url,
        "https://bot.contoso.com/api/messages",
    ),
    ConfigKey(
        "githubOidcSubjects",
        "array",
        [],
        "GitHub Actions subjects given a federated credential: repo:<owner>/<repo>:environment:<env>",
        lambda value: v.parse_list(value, v.github_credential),
    ),
    ConfigKey(
        "azureDevOpsOidc",
        "array",
        [],
        "Azure DevOps service connections given a federated credential: "
        "<organizationId>/<organization>/<project>/<serviceConnection>",
        lambda value: v.parse_list(value, v.azure_devops_credential),
    ),
    ConfigKey(
        "createClientSecret",
        "boolean",
        False,
        "Create a client secret (a secret stack output); prefer federated credentials",
        v.check_bool,
    ),
    ConfigKey(
        "clientSecretRotation",
        "string",
        "",
        "Any label; change it to rotate the client secret",
        _optional(lambda value: v.check_display_name(value, limit=64)),
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
    ),
    ConfigKey(
        "copilotAgentName",
        "string",
        REQUIRED,
        "Display name of the Copilot Studio agent: at most 30 characters, longer fail to connect",
        v.check_agent_name,
        "Contoso Helper",
    ),
    ConfigKey(
        "botProvider",
        "string",
        "copilotStudio",
        "copilotStudio for a Copilot Studio agent, other for a Bot Framework bot",
        lambda value: v.check_choice(value, ("copilotStudio", "other")),
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
        "Workstream context variables routing uses, as name:type (text, number, boolean or entity)",
        v.parse_context_variables,
    ),
    ConfigKey(
        "publishAgent",
        "boolean",
        True,
        "Publish the agent when the binding changes (hand-off needs a published agent)",
        v.check_bool,
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
        _optional(v.check_https_url),
    ),
    ConfigKey(
        "resourceManagerEndpoint",
        "string",
        "",
        "Override of the cloud's ARM endpoint",
        _optional(v.check_https_url),
    ),
    ConfigKey(
        "dataverseApiEndpoint",
        "string",
        "",
        "Override of <dataverseUrl>/api/data/v9.2; the token audience stays dataverseUrl",
        _optional(v.check_https_url),
    ),
)
KEYS_BY_NAME: dict[str, ConfigKey] = {key.name: key for key in KEYS}


@dataclasses.dataclass(frozen=True)
class BotSettings:
    """The Azure Bot and where it lives."""

    name: str
    display_name: str
    resource_group_name: str
    location: str  # "global" or a regional location
    sku: str  # "F0" or "S1"
    app_type: str  # "SingleTenant" or "UserAssignedMSI"
    msi: Optional[v.UserAssignedIdentityId]  # set only with UserAssignedMSI
    messaging_endpoint: str


@dataclasses.dataclass(frozen=True)
class IdentitySettings:
    """The bot's app registration credentials (SingleTenant only)."""

    federated_credentials: tuple[v.FederatedCredential, ...]
    create_client_secret: bool
    client_secret_rotation: str


@dataclasses.dataclass(frozen=True)
class OmnichannelSettings:
    """What the Omnichannel binding declares in the Dataverse environment."""

    dataverse_url: str  # normalised: lower-case host, no trailing slash
    agent_schema_name: str
    agent_name: str
    bot_provider: str  # "copilotStudio" or "other"
    bot_capacity: int
    queue: str  # name, or lower-case GUID
    workstream: str  # name, or lower-case GUID
    context_variables: tuple[v.ContextVariable, ...]
    publish_agent: bool
    allow_binding_removal: bool


@dataclasses.dataclass(frozen=True)
class EndpointOverrides:
    """Endpoint overrides for the API clients ("" = the cloud's default)."""

    authority_host: str
    resource_manager_endpoint: str
    dataverse_api_endpoint: str


@dataclasses.dataclass(frozen=True)
class Settings:
    """The whole validated stack configuration."""

    stack: str
    tenant_id: str
    subscription_id: str
    cloud: str
    geography: str
    bot: BotSettings
    identity: IdentitySettings
    omnichannel: OmnichannelSettings
    endpoints: EndpointOverrides


Problems = list[tuple[str, str]]
DATA_SHARING = (
    "must be true. Connecting the bot to Omnichannel shares its conversations (transcripts "
    "and context variables) with Dynamics 365 Customer Service, as the data-sharing notice in "
    "the portal says, and the bot and the Omnichannel environment must be in the same geography "
    "(handoff:geography). Read the notice, then set handoff:dataSharingAcknowledged: true"
)


def _acknowledged(x: dict[str, Any]) -> Problems:
    return [] if x["dataSharingAcknowledged"] else [("dataSharingAcknowledged", DATA_SHARING)]


def _environment_in_cloud(x: dict[str, Any]) -> Problems:
    url, cloud = x["dataverseUrl"], x["cloud"]
    host_cloud = v.dataverse_host_info(url)[0]
    if host_cloud == cloud:
        return []
    return [
        (
            "dataverseUrl",
            f"{url} is a {host_cloud} cloud environment but handoff:cloud is {cloud}; set "
            f"handoff:cloud: {host_cloud} or use a {cloud} environment",
        )
    ]


def _environment_in_geography(x: dict[str, Any]) -> Problems:
    url, geography = x["dataverseUrl"], x["geography"]
    host_cloud, host_geography = v.dataverse_host_info(url)
    if host_geography == geography or host_cloud != x["cloud"]:  # a cloud mismatch is reported on its own
        return []
    return [
        (
            "dataverseUrl",
            f"{url} is in geography {host_geography} but handoff:geography is {geography}; "
            "the bot and the Omnichannel environment must be in the same geography: use an environment in "
            f"{geography} or set handoff:geography: {host_geography}",
        )
    ]


def _bot_in_geography(x: dict[str, Any]) -> Problems:
    location, geography = x["botLocation"], x["geography"]
    regional = v.bot_location_geography(location)
    if regional is None or regional == geography:
        return []
    return [
        (
            "botLocation",
            f"{location} keeps bot data in {regional}, outside handoff:geography "
            f"{geography}; use global or a location in {geography}",
        )
    ]


def _bot_identity(x: dict[str, Any]) -> Problems:
    msi, app_type = x["botMsiResourceId"], x["botAppType"]
    if app_type == "SingleTenant":
        return (
            [
                (
                    "botMsiResourceId",
                    "is set but handoff:botAppType is SingleTenant; remove it or set "
                    "handoff:botAppType: UserAssignedMSI",
                )
            ]
            if msi
            else []
        )
    credentials = ("githubOidcSubjects", "azureDevOpsOidc", "createClientSecret")
    problems = [
        (
            name,
            "applies to the app registration of a SingleTenant bot; a UserAssignedMSI bot has "
            "none: remove it",
        )
        for name in credentials
        if x.get(name)
    ]
    if not msi:
        problems.append(
            (
                "botMsiResourceId",
                "is empty but handoff:botAppType is UserAssignedMSI; set the "
                "identity's ARM id (/subscriptions/.../userAssignedIdentities/<name>)",
            )
        )
    elif "subscriptionId" in x and msi.subscription_id != x["subscriptionId"]:
        problems.append(
            (
                "botMsiResourceId",
                f"is in subscription {msi.subscription_id}, not handoff:"
                f"subscriptionId {x['subscriptionId']}; use an identity in the bot's subscription",
            )
        )
    return problems


def _credential_count(x: dict[str, Any]) -> Problems:
    count = len(x["githubOidcSubjects"]) + len(x["azureDevOpsOidc"])
    if count <= v.MAX_FEDERATED_CREDENTIALS:
        return []
    return [
        (
            "githubOidcSubjects",
            f"with handoff:azureDevOpsOidc lists {count} subjects; an app "
            f"registration takes at most {v.MAX_FEDERATED_CREDENTIALS} federated credentials",
        )
    ]


def _rotation_needs_secret(x: dict[str, Any]) -> Problems:
    if not x["clientSecretRotation"] or x["createClientSecret"]:
        return []
    return [
        (
            "clientSecretRotation",
            "has no effect without handoff:createClientSecret: true; remove it or create the secret",
        )
    ]


# Rules between keys, each with the keys it reads: a rule runs only when all of them parsed.
CROSS_RULES: tuple[tuple[tuple[str, ...], Callable[[dict[str, Any]], Problems]], ...] = (
    (("dataSharingAcknowledged",), _acknowledged),
    (("dataverseUrl", "cloud"), _environment_in_cloud),
    (("dataverseUrl", "cloud", "geography"), _environment_in_geography),
    (("botLocation", "geography"), _bot_in_geography),
    (("botAppType", "botMsiResourceId"), _bot_identity),
    (("githubOidcSubjects", "azureDevOpsOidc"), _credential_count),
    (("clientSecretRotation", "createClientSecret"), _rotation_needs_secret),
)


def _unknown_keys(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems = []
    for name in sorted(set(raw) - set(KEYS_BY_NAME)):
        close = difflib.get_close_matches(name, list(KEYS_BY_NAME), n=1)
        hint = (
            f"did you mean {PROJECT}:{close[0]}?"
            if close
            else "remove it (see the README's configuration reference)"
        )
        problems.append((name, f"is not a key of this project; {hint}"))
    return problems


def parse_settings(raw: Mapping[str, Any], stack: str = "") -> Settings:
    """Settings from un-namespaced key -> value (YAML values or the engine's strings).

    Raises ConfigError naming every bad key; nothing else escapes for any value of any key."""
    problems = _unknown_keys(raw)
    parsed: dict[str, Any] = {}
    for key in KEYS:
        value = raw.get(key.name)
        value = key.default if value is None else value
        if value is REQUIRED:
            problems.append(
                (key.name, f"is not set; add {PROJECT}:{key.name}: {key.example} to the stack file")
            )
            continue
        try:
            parsed[key.name] = key.parse(value)
        except ValueError as error:
            problems.append((key.name, str(error)))
    for keys, rule in CROSS_RULES:
        if all(key in parsed for key in keys):
            problems += rule(parsed)
    if problems:
        raise ConfigError(problems, stack)
    return _build(parsed, stack)


def _build(x: dict[str, Any], stack: str) -> Settings:
    return Settings(
        stack=stack,
        tenant_id=x["tenantId"],
        subscription_id=x["subscriptionId"],
        cloud=x["cloud"],
        geography=x["geography"],
        bot=BotSettings(
            x["botName"],
            x["botDisplayName"],
            x["resourceGroupName"],
            x["botLocation"],
            x["botSku"],
            x["botAppType"],
            x["botMsiResourceId"] or None,
            x["messagingEndpoint"],
        ),
        identity=IdentitySettings(
            x["githubOidcSubjects"] + x["azureDevOpsOidc"], x["createClientSecret"], x["clientSecretRotation"]
        ),
        omnichannel=OmnichannelSettings(
            x["dataverseUrl"],
            x["copilotAgentSchemaName"],
            x["copilotAgentName"],
            x["botProvider"],
            x["botCapacity"],
            x["queue"],
            x["workstream"],
            x["contextVariables"],
            x["publishAgent"],
            x["allowBindingRemoval"],
        ),
        endpoints=EndpointOverrides(
            x["authorityHost"], x["resourceManagerEndpoint"], x["dataverseApiEndpoint"]
        ),
    )


def load_settings() -> Settings:
    """Read this stack's configuration once, through the Pulumi runtime, and validate it."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    prefix = f"{PROJECT}:"
    # Every project key the engine passed (the SDK keeps them in runtime.config.CONFIG or PULUMI_CONFIG), so a
    # misspelt key is reported instead of silently ignored.
    passed = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    names = {name[len(prefix) :] for name in passed if name.startswith(prefix)} | set(KEYS_BY_NAME)
    config = pulumi.Config(PROJECT)
    return parse_settings({name: config.get(name) for name in names}, pulumi.get_stack())


def require_supported_python(version: tuple = tuple(sys.version_info)) -> None:
    """Refuse to run on another Python: dynamic providers are pickled into state, tied to this version."""
    if tuple(version[:2]) != SUPPORTED_PYTHON:
        found = ".".join(str(part) for part in version[:3])
        raise PythonVersionError(
            f"this program needs Python {SUPPORTED_PYTHON[0]}.{SUPPORTED_PYTHON[1]} but runs on {found}: "
            "its dynamic providers are pickled into Pulumi state and a pickle only loads on the Python "
            "version that wrote it. Run `make setup` (it builds venv/ with python3.11), the virtualenv "
            "Pulumi.yaml names."
        )
