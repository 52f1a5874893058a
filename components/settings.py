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

from components import config_keys
from components import validation as v
from components.config_keys import (
    AZURE_BOT,
    BOT_PROVIDERS,
    COPILOT_STUDIO,
    KEYS,
    KEYS_BY_NAME,
    PROJECT,
    REQUIRED,
    ConfigKey,
    applies,
    parse_value,
    schema_default,
)

__all__ = [
    "AZURE_BOT",
    "BOT_PROVIDERS",
    "COPILOT_STUDIO",
    "KEYS",
    "KEYS_BY_NAME",
    "PROJECT",
    "REQUIRED",
    "ConfigKey",
    "ConfigError",
    "Settings",
    "parse_settings",
]
SUPPORTED_PYTHON = (3, 11)


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


@dataclasses.dataclass(frozen=True, kw_only=True)
class BotSettings:
    """An Azure (Bot Framework) bot's Azure Bot and where it lives (botProvider: other only)."""

    name: str
    display_name: str
    resource_group_name: str
    location: str  # "global" or a regional location
    sku: str  # "F0" or "S1"
    app_type: str  # "SingleTenant" or "UserAssignedMSI"
    msi: Optional[v.UserAssignedIdentityId]  # set only with UserAssignedMSI
    messaging_endpoint: str
    teams_channel: bool  # also enable the Teams channel (the Omnichannel channel is always declared)
    multi_tenant_app: bool  # the app registration is multi-tenant (AzureADMultipleOrgs)


@dataclasses.dataclass(frozen=True, kw_only=True)
class IdentitySettings:
    """The bot's app registration credentials (SingleTenant only)."""

    federated_credentials: tuple[v.FederatedCredential, ...]
    create_client_secret: bool
    client_secret_rotation: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class AgentSettings:
    """A Copilot Studio agent (botProvider: copilotStudio only)."""

    schema_name: str
    name: str
    app_id: str  # the App ID of the bot user Connect made; "" = not given (the binding lists candidates)
    publish: bool
    publish_timeout_seconds: int  # how long publishing waits for the publish job (the providers read it too)


@dataclasses.dataclass(frozen=True, kw_only=True)
class OmnichannelSettings:
    """What the Omnichannel binding declares in the Dataverse environment."""

    dataverse_url: str  # normalised: lower-case host, no trailing slash
    bot_capacity: int
    queue: str  # name, or lower-case GUID
    workstream: str  # name, or lower-case GUID
    context_variables: tuple[v.ContextVariable, ...]
    allow_binding_removal: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class EndpointOverrides:
    """Endpoint overrides for the API clients ("" = the cloud's default)."""

    authority_host: str
    resource_manager_endpoint: str
    dataverse_api_endpoint: str
    allow_foreign: bool = False  # handoff:allowForeignEndpoints
    foreign: tuple[tuple[str, str], ...] = ()  # (key, URL) of overrides outside the cloud and loopback


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    """The whole validated stack configuration."""

    stack: str
    tenant_id: str
    subscription_id: Optional[str]  # Azure bots only
    cloud: str
    geography: str
    bot_provider: str  # COPILOT_STUDIO or AZURE_BOT
    bot: Optional[BotSettings]  # Azure bots only
    identity: Optional[IdentitySettings]  # Azure bots with an app registration (SingleTenant) only
    agent: Optional[AgentSettings]  # Copilot Studio agents only
    omnichannel: OmnichannelSettings
    endpoints: EndpointOverrides

    @property
    def is_copilot_agent(self) -> bool:
        return self.bot_provider == COPILOT_STUDIO


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
    (config_keys.ENDPOINT_KEYS, config_keys.endpoint_problems),  # the providers apply the same rule
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


def _set_by_the_stack(key: ConfigKey, value: Any) -> bool:
    """A value other than the key's Pulumi.yaml default (the engine passes defaults for every key)."""
    if value is None:
        return False
    default = schema_default(key)
    try:
        return key.parse(value) != key.parse(default) if default != "" or value != "" else False
    except ValueError:
        return True


def _not_for(key: ConfigKey, provider: str) -> str:
    kinds = {COPILOT_STUDIO: "a Copilot Studio agent", AZURE_BOT: "an Azure (Bot Framework) bot"}
    return (
        f"applies only to {kinds[key.applies_to]} (handoff:botProvider: {key.applies_to}), and this stack "
        f'declares {kinds[provider]} (botProvider: {provider}); remove it (docs/binding.md, "Two kinds of '
        'bot")'
    )


def parse_settings(raw: Mapping[str, Any], stack: str = "") -> Settings:
    """Settings from un-namespaced key -> value (YAML values or the engine's strings).

    Raises ConfigError naming every bad key; nothing else escapes for any value of any key."""
    problems = _unknown_keys(raw)
    parsed: dict[str, Any] = {}
    try:
        provider = parse_value("botProvider", raw.get("botProvider"))
    except ValueError:
        provider = None  # reported below; until it is fixed, no key is refused for the kind
    for key in KEYS:
        value = raw.get(key.name)
        if provider is None and key.applies_to is not None and not _set_by_the_stack(key, value):
            continue  # which kind's keys are required is known once botProvider is fixed; set ones are parsed
        if provider is not None and not applies(key, provider):
            if _set_by_the_stack(key, value):
                problems.append((key.name, _not_for(key, provider)))
            continue
        if key.default is REQUIRED and value == schema_default(key):
            value = None  # Pulumi.yaml's placeholder of a key only one kind of bot needs: not set
        try:
            parsed[key.name] = parse_value(key.name, value)
        except ValueError as error:
            problems.append((key.name, str(error)))
    for keys, rule in CROSS_RULES:
        if all(key in parsed for key in keys):
            problems += rule(parsed)
    if problems:
        raise ConfigError(problems, stack)
    return _build(parsed, stack)


def _build(x: dict[str, Any], stack: str) -> Settings:
    azure = x["botProvider"] == AZURE_BOT
    bot = (
        BotSettings(
            name=x["botName"],
            display_name=x["botDisplayName"],
            resource_group_name=x["resourceGroupName"],
            location=x["botLocation"],
            sku=x["botSku"],
            app_type=x["botAppType"],
            msi=x["botMsiResourceId"] or None,
            messaging_endpoint=x["messagingEndpoint"],
            teams_channel=x["teamsChannel"],
            multi_tenant_app=x["botAppMultiTenant"],
        )
        if azure
        else None
    )
    identity = (
        IdentitySettings(
            federated_credentials=x["githubOidcSubjects"] + x["azureDevOpsOidc"],
            create_client_secret=x["createClientSecret"],
            client_secret_rotation=x["clientSecretRotation"],
        )
        if azure
        else None
    )
    agent = (
        None
        if azure
        else AgentSettings(
            schema_name=x["copilotAgentSchemaName"],
            name=x["copilotAgentName"],
            app_id=x["copilotAgentAppId"],
            publish=x["publishAgent"],
            publish_timeout_seconds=x["publishTimeoutSeconds"],
        )
    )
    return Settings(
        stack=stack,
        tenant_id=x["tenantId"],
        subscription_id=x.get("subscriptionId"),
        cloud=x["cloud"],
        geography=x["geography"],
        bot_provider=x["botProvider"],
        bot=bot,
        identity=identity,
        agent=agent,
        omnichannel=OmnichannelSettings(
            dataverse_url=x["dataverseUrl"],
            bot_capacity=x["botCapacity"],
            queue=x["queue"],
            workstream=x["workstream"],
            context_variables=x["contextVariables"],
            allow_binding_removal=x["allowBindingRemoval"],
        ),
        endpoints=EndpointOverrides(
            authority_host=x["authorityHost"],
            resource_manager_endpoint=x["resourceManagerEndpoint"],
            dataverse_api_endpoint=x["dataverseApiEndpoint"],
            allow_foreign=x["allowForeignEndpoints"],
            foreign=tuple(config_keys.foreign_endpoints(x)),
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
    settings = parse_settings({name: config.get(name) for name in names}, pulumi.get_stack())
    for line in foreign_endpoint_warnings(settings):  # every run, preview included
        pulumi.log.warn(line)
    return settings


def foreign_endpoint_warnings(settings: Settings) -> list[str]:
    """One warning per endpoint override that sends credentials outside the cloud (allowed by
    handoff:allowForeignEndpoints)."""
    return [
        f"{PROJECT}:{key} is {url}, not a {settings.cloud} cloud host nor loopback: the deployer's "
        f"credentials and tokens are sent there because {PROJECT}:allowForeignEndpoints is true. The policy "
        "pack's endpoints-stay-in-cloud policy reports it; remove the override unless you trust that host."
        for key, url in settings.endpoints.foreign
    ]


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
