"""Stack settings: every bad stack file is rejected with one error naming each bad key and its fix, before the
program declares any resource. The bad stack files are Pulumi.dev.yaml with one key changed."""

from __future__ import annotations

import pathlib

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from components.settings import (
    KEYS,
    KEYS_BY_NAME,
    ConfigError,
    PythonVersionError,
    Settings,
    parse_settings,
    require_supported_python,
)
from offline.program import REMOVE, ProgramError, load_stack_config, run_program

ROOT = pathlib.Path(__file__).resolve().parents[2]
MSI = (
    "/subscriptions/66666666-6666-4666-8666-666666666666/resourceGroups/rg-id/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/bot-identity"
)


def stack_values(stack: str) -> dict:
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {key.split(":", 1)[1]: value for key, value in config.items()}


def dev_values() -> dict:
    return stack_values("dev")


# (what is wrong, the keys changed from Pulumi.dev.yaml, the key the error must name, a fragment of its fix)
BAD_STACKS = [
    ("tenant not a GUID", {"tenantId": "contoso.onmicrosoft.com"}, "tenantId", "is not a GUID"),
    (
        "subscription not a GUID",
        {"subscriptionId": "1234"},
        "subscriptionId",
        "00000000-0000-0000-0000-000000000000",
    ),
    ("unknown cloud", {"cloud": "azurestack"}, "cloud", "use one of public, usgovernment, china"),
    ("unknown geography", {"geography": "mars"}, "geography", "not a supported geography"),
    (
        "data-sharing notice not acknowledged",
        {"dataSharingAcknowledged": False},
        "dataSharingAcknowledged",
        "must be in the same geography",
    ),
    (
        "resource group ends in a period",
        {"resourceGroupName": "rg-handoff."},
        "resourceGroupName",
        "not ending in",
    ),
    ("resource group too long", {"resourceGroupName": "r" * 91}, "resourceGroupName", "1-90"),
    ("bot name starts with a hyphen", {"botName": "-contoso"}, "botName", "not a valid Azure Bot name"),
    ("bot name too short", {"botName": "b"}, "botName", "2-64"),
    ("bot name too long", {"botName": "b" * 65}, "botName", "2-64"),
    ("empty display name", {"botDisplayName": ""}, "botDisplayName", "is not set"),
    (
        "bot location not a bot location",
        {"botLocation": "eastus"},
        "botLocation",
        "not an Azure Bot location",
    ),
    (
        "regional bot outside the geography",
        {"botLocation": "centralindia"},
        "botLocation",
        "outside handoff:geography europe",
    ),
    ("unknown SKU", {"botSku": "P1"}, "botSku", "not one of F0, S1"),
    ("multi-tenant bot", {"botAppType": "MultiTenant"}, "botAppType", "deprecated"),
    (
        "managed identity bot without identity",
        {"botAppType": "UserAssignedMSI", "githubOidcSubjects": [], "azureDevOpsOidc": []},
        "botMsiResourceId",
        "is empty but handoff:botAppType is UserAssignedMSI",
    ),
    (
        "identity given to a single-tenant bot",
        {"botMsiResourceId": MSI},
        "botMsiResourceId",
        "is set but handoff:botAppType is SingleTenant",
    ),
    (
        "identity in another subscription",
        {
            "botAppType": "UserAssignedMSI",
            "githubOidcSubjects": [],
            "azureDevOpsOidc": [],
            "botMsiResourceId": MSI.replace("6666", "9999"),
        },
        "botMsiResourceId",
        "use an identity in the bot's subscription",
    ),
    (
        "CI subjects on a managed identity bot",
        {"botAppType": "UserAssignedMSI", "botMsiResourceId": MSI, "azureDevOpsOidc": []},
        "githubOidcSubjects",
        "a UserAssignedMSI bot has none",
    ),
    (
        "messaging endpoint over http",
        {"messagingEndpoint": "http://bot.contoso.com/api/messages"},
        "messagingEndpoint",
        "is not https",
    ),
    (
        "GitHub subject with a space",
        {"githubOidcSubjects": ["repo contoso"]},
        "githubOidcSubjects",
        "not a GitHub OIDC subject",
    ),
    (
        "GitHub subject listed twice",
        {"githubOidcSubjects": ["repo:c/h:environment:dev"] * 2},
        "githubOidcSubjects",
        "listed twice",
    ),
    (
        "more federated credentials than Entra allows",
        {"githubOidcSubjects": [f"repo:contoso/handoff:environment:e{i}" for i in range(21)]},
        "githubOidcSubjects",
        "at most 20 federated credentials",
    ),
    (
        "Azure DevOps entry without organization id",
        {"azureDevOpsOidc": ["contoso/Handoff/handoff-dev"]},
        "azureDevOpsOidc",
        "<organizationId>/<organization>/<project>/<serviceConnection>",
    ),
    (
        "secret rotation without a secret",
        {"clientSecretRotation": "2025-q3"},
        "clientSecretRotation",
        "has no effect without handoff:createClientSecret: true",
    ),
    (
        "Dataverse over http",
        {"dataverseUrl": "http://contoso-dev.crm.dynamics.com"},
        "dataverseUrl",
        "use https://<org>.crm.dynamics.com",
    ),
    (
        "not a Dataverse host",
        {"dataverseUrl": "https://contoso.example.com"},
        "dataverseUrl",
        "not a Dataverse environment host",
    ),
    (
        "Dataverse Web API URL instead of the environment",
        {"dataverseUrl": "https://contoso-dev.crm.dynamics.com/api/data/v9.2"},
        "dataverseUrl",
        "environment URL alone",
    ),
    (
        "Dataverse in another geography",
        {"dataverseUrl": "https://contoso.crm4.dynamics.com"},
        "dataverseUrl",
        "the bot and the Omnichannel environment must be in the same geography",
    ),
    (
        "Dataverse of another cloud",
        {"dataverseUrl": "https://contoso.crm.microsoftdynamics.us"},
        "dataverseUrl",
        "set handoff:cloud: usgovernment",
    ),
    (
        "agent schema name without prefix",
        {"copilotAgentSchemaName": "contosoHelper"},
        "copilotAgentSchemaName",
        "<prefix>_<name>",
    ),
    (
        "agent name of 31 characters",
        {"copilotAgentName": "Contoso Customer Service Helper"},
        "copilotAgentName",
        "at most 30 characters",
    ),
    ("unknown bot provider", {"botProvider": "azure"}, "botProvider", "not one of copilotStudio, other"),
    ("zero capacity", {"botCapacity": 0}, "botCapacity", "from 1 to 2147483647"),
    ("capacity beyond the column", {"botCapacity": 2_147_483_648}, "botCapacity", "out of range"),
    ("empty queue", {"queue": ""}, "queue", "queue name or GUID"),
    ("empty workstream", {"workstream": " "}, "workstream", "workstream name or GUID"),
    (
        "context variable without type",
        {"contextVariables": ["customerTier"]},
        "contextVariables",
        "name:type",
    ),
    (
        "context variable of unknown type",
        {"contextVariables": ["customerTier:date"]},
        "contextVariables",
        "text, number",
    ),
    (
        "context variable declared twice",
        {"contextVariables": ["tier:text", "tier:number"]},
        "contextVariables",
        "declared more than once",
    ),
    (
        "authority override over http",
        {"authorityHost": "http://127.0.0.1:8443"},
        "authorityHost",
        "is not https",
    ),
    (
        "Dataverse API override not https",
        {"dataverseApiEndpoint": "ftp://127.0.0.1/api"},
        "dataverseApiEndpoint",
        "is not https",
    ),
    ("misspelt key", {"botSKU": "S1"}, "botSKU", "did you mean handoff:botSku?"),
]


@pytest.mark.parametrize(
    "overrides, key, fix", [case[1:] for case in BAD_STACKS], ids=[case[0] for case in BAD_STACKS]
)
def test_bad_stack_file_is_rejected_naming_its_key_before_any_resource(overrides, key, fix):
    # An Azure bot's keys are tried on prod (an Azure bot stack), the others on dev (a Copilot Studio agent).
    known = KEYS_BY_NAME.get(key)
    stack = "prod" if known is not None and known.applies_to == "other" else "dev"
    with pytest.raises(ProgramError) as raised:
        run_program(stack=stack, overrides=overrides)
    error = raised.value.error
    assert isinstance(error, ConfigError)
    assert error.keys == (key,)
    assert f"handoff:{key}: " in str(error) and fix in str(error)
    assert "nothing was deployed" in str(error)
    assert raised.value.run.registrations == ()


def test_every_bad_key_of_a_stack_file_is_listed_in_one_error():
    overrides = {
        "tenantId": "x",
        "dataverseUrl": "http://x",
        "copilotAgentName": "A" * 40,
        "botCapacity": -1,
        "dataSharingAcknowledged": False,
    }
    with pytest.raises(ProgramError) as raised:
        run_program(stack="dev", overrides=overrides)
    error = raised.value.error
    assert isinstance(error, ConfigError)
    assert set(error.keys) == set(overrides)
    assert "has 5 configuration problems" in str(error)
    assert "handoff:dataverseUrl: 'http://x' is not https; use https://<org>.crm.dynamics.com" in str(error)
    assert raised.value.run.registrations == ()


def test_missing_required_keys_are_each_named_with_an_example():
    values = dev_values()
    for name in ("tenantId", "dataverseUrl", "queue"):
        del values[name]
    with pytest.raises(ConfigError) as raised:
        parse_settings(values, "dev")
    assert raised.value.keys == ("dataverseUrl", "queue", "tenantId")
    assert "handoff:tenantId: is not set; add handoff:tenantId: <tenant GUID>" in str(raised.value)
    assert "Pulumi.dev.yaml has 3 configuration problems" in str(raised.value)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_engine_strings_and_yaml_values_give_the_same_settings(stack):
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    from_yaml = parse_settings({k.split(":", 1)[1]: value for k, value in document.items()}, stack)
    engine = load_stack_config(ROOT, stack)
    from_engine = parse_settings({k.split(":", 1)[1]: value for k, value in engine.items()}, stack)
    assert from_yaml == from_engine


def test_settings_are_frozen_and_typed():
    settings = parse_settings(dev_values(), "dev")
    assert isinstance(settings, Settings)
    assert settings.omnichannel.bot_capacity == 100 and settings.agent.publish is True
    assert settings.bot is None and settings.identity is None  # a Copilot Studio agent has no Azure Bot
    assert settings.omnichannel.dataverse_url == "https://contoso-dev.crm.dynamics.com"
    with pytest.raises(AttributeError):
        settings.tenant_id = "x"  # type: ignore[misc]


def test_queue_and_workstream_guids_are_normalised_and_names_kept():
    values = {**dev_values(), "queue": "AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA", "workstream": "Contoso chat"}
    settings = parse_settings(values)
    assert settings.omnichannel.queue == "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
    assert settings.omnichannel.workstream == "Contoso chat"


def test_a_required_key_removed_from_the_stack_file_is_refused_by_the_engine_before_the_program():
    from offline.program import StackConfigError

    with pytest.raises(StackConfigError, match="missing configuration value 'handoff:tenantId'"):
        load_stack_config(ROOT, "dev", {"tenantId": REMOVE})


@pytest.mark.parametrize("version", [(3, 10, 14), (3, 12, 1), (4, 0, 0)])
def test_other_python_versions_are_refused_with_the_pickle_reason(version):
    expected = r"needs Python 3\.11 .*pickled into Pulumi state.*make setup"
    with pytest.raises(PythonVersionError, match=expected):
        require_supported_python(version)


def test_python_311_is_accepted():
    require_supported_python((3, 11, 7, "final", 0))


ANY_VALUE = st.one_of(
    st.text(max_size=40),
    st.integers(),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=20), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
# Keys whose rules read another key: changing `geography` can make `dataverseUrl` wrong, and so on.
DEPENDENTS = {
    "geography": {"dataverseUrl", "botLocation"},
    "cloud": {"dataverseUrl"},
    "botAppType": {"botMsiResourceId", "githubOidcSubjects"},
    "subscriptionId": set(),
    "createClientSecret": {"clientSecretRotation"},
    "azureDevOpsOidc": {"githubOidcSubjects"},
}


@hypothesis_settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([key.name for key in KEYS]), ANY_VALUE)
def test_any_value_of_any_key_gives_settings_or_a_config_error_naming_only_that_key(name, value):
    try:
        # An Azure bot's keys are refused on a Copilot Studio stack whatever their value: try them on prod.
        stack = "prod" if KEYS_BY_NAME[name].applies_to == "other" else "dev"
        parse_settings({**stack_values(stack), name: value}, stack)
    except ConfigError as error:
        assert set(error.keys) <= {name} | DEPENDENTS.get(name, set())
