"""Every policy of the pack, a violation and a pass each, without the engine.

Arguments are built the way the analyzer builds them (pulumi_policy/policy.py): camelCase props wrapped in
the unknown-checking proxy, PolicyResourceOptions with `protect`. Runs in policy/venv (`make test` does).
"""

from __future__ import annotations

import ast
import pathlib

import pytest

pulumi_policy = pytest.importorskip(
    "pulumi_policy", reason="the policy pack has its own venv: `make test` runs these tests in policy/venv"
)

from pulumi_policy import (  # noqa: E402
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.policy import _NotApplicableError  # noqa: E402
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy  # noqa: E402

from policy import resources as r  # noqa: E402
from policy.rules import POLICIES  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
BY_NAME = {policy.name: policy for policy in POLICIES}
PROD_URL = "https://contoso.crm4.dynamics.com"
DEV_URL = "https://contoso-dev.crm.dynamics.com"
QUEUE = "pulumi-python:dynamic/omnichannel:QueueMembership"


def _urn(type_chain: str, name: str) -> str:
    return f"urn:pulumi:prod::handoff::{type_chain}::{name}"


def _opts(protect: bool) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )


def _args(
    resource_type: str, props: dict, *, name: str = "res", type_chain: str = "", protect: bool = False
) -> ResourceValidationArgs:
    return ResourceValidationArgs(
        resource_type=resource_type,
        props=unknown_checking_proxy(props),
        urn=_urn(type_chain or resource_type, name),
        name=name,
        opts=_opts(protect),
        provider=None,
    )


def _violations(policy_name: str, args) -> list[str]:
    messages: list[str] = []
    BY_NAME[policy_name].validate(args, lambda message, urn=None: messages.append(message))
    return messages


def _bot(
    location: str = "westeurope",
    geography: str | None = "europe",
    app_type: str | None = "SingleTenant",
    protect: bool = True,
) -> ResourceValidationArgs:
    props: dict = {
        "location": location,
        "kind": "azurebot",
        "properties": {"msaAppId": "77777777-7777-4777-8777-777777777777", "displayName": "Contoso"},
    }
    if app_type is not None:
        props["properties"]["msaAppType"] = app_type
    if geography is not None:
        props["tags"] = {r.GEOGRAPHY_TAG: geography}
    return _args(
        r.BOT, props, name="channel-bot", type_chain=f"handoff:teams:TeamsChannel${r.BOT}", protect=protect
    )


# binding-resources-protected ----------------------------------------------------------------------


def test_unprotected_dynamic_binding_resource_is_a_violation():
    args = _args(
        QUEUE, {"environmentUrl": PROD_URL}, name="binding-queue", type_chain=f"{r.BINDING_COMPONENT}${QUEUE}"
    )
    [message] = _violations("binding-resources-protected", args)
    assert "'binding-queue' must be protected" in message and "pulumi state unprotect" in message


def test_unprotected_child_of_the_binding_component_is_a_violation_whatever_its_type():
    args = _args(
        "random:index/randomId:RandomId",
        {},
        name="binding-suffix",
        type_chain=f"{r.BINDING_COMPONENT}$random:index/randomId:RandomId",
    )
    assert len(_violations("binding-resources-protected", args)) == 1


def test_unprotected_bot_is_a_violation_naming_the_new_connection_it_would_take():
    [message] = _violations("binding-resources-protected", _bot(protect=False))
    assert "a new bot connection" in message


@pytest.mark.parametrize(
    "resource_type", sorted(r.BINDING_DYNAMIC_TYPES | {r.BINDING_COMPONENT, r.APPLICATION})
)
def test_protected_binding_and_identity_resources_pass(resource_type):
    args = _args(resource_type, {"environmentUrl": PROD_URL}, protect=True)
    assert _violations("binding-resources-protected", args) == []


def test_resources_outside_the_binding_need_no_protection():
    args = _args(
        r.APPLICATION_PASSWORD,
        {"displayName": "ci"},
        type_chain=f"handoff:identity:BotIdentity${r.APPLICATION_PASSWORD}",
    )
    assert _violations("binding-resources-protected", args) == []


# bot-application-single-tenant --------------------------------------------------------------------


def test_an_app_registration_open_to_personal_accounts_is_a_violation():
    [message] = _violations(
        "bot-application-single-tenant",
        _args(r.APPLICATION, {"signInAudience": "AzureADandPersonalMicrosoftAccount"}, name="bot-app"),
    )
    assert "signInAudience 'AzureADandPersonalMicrosoftAccount'" in message and "AzureADMyOrg" in message


@pytest.mark.parametrize(
    "props", [{"signInAudience": "AzureADMyOrg"}, {}, {"signInAudience": "AzureADMultipleOrgs"}]
)
def test_single_tenant_app_registration_passes_including_the_provider_default(props):
    assert _violations("bot-application-single-tenant", _args(r.APPLICATION, props)) == []


@pytest.mark.parametrize("app_type, shown", [("MultiTenant", "'MultiTenant'"), (None, "not set")])
def test_bot_that_is_not_single_tenant_is_a_violation(app_type, shown):
    [message] = _violations("bot-application-single-tenant", _bot(app_type=app_type))
    assert f"msaAppType {shown}" in message and "SingleTenant or UserAssignedMSI" in message


@pytest.mark.parametrize("app_type", ["SingleTenant", "UserAssignedMSI"])
def test_single_tenant_and_managed_identity_bots_pass(app_type):
    assert _violations("bot-application-single-tenant", _bot(app_type=app_type)) == []


# bot-region-matches-geography ---------------------------------------------------------------------


def test_regional_bot_outside_the_declared_geography_is_a_violation():
    [message] = _violations("bot-region-matches-geography", _bot(location="centralindia", geography="europe"))
    assert "keeps data in 'india'" in message and "declares geography 'europe'" in message


def test_bot_without_the_geography_tag_is_a_violation():
    [message] = _violations("bot-region-matches-geography", _bot(geography=None))
    assert "no 'handoff-geography' tag" in message


def test_bot_with_an_unsupported_geography_or_location_is_a_violation():
    assert "not supported" in _violations("bot-region-matches-geography", _bot(geography="atlantis"))[0]
    assert (
        "not an Azure Bot location" in _violations("bot-region-matches-geography", _bot(location="eastus"))[0]
    )


@pytest.mark.parametrize(
    "location, geography",
    [("westeurope", "europe"), ("West Europe", "europe"), ("global", "unitedstates"), ("global", "europe")],
)
def test_regional_bot_in_its_geography_and_global_bots_pass(location, geography):
    assert _violations("bot-region-matches-geography", _bot(location=location, geography=geography)) == []


# dataverse-matches-geography (stack policy) ----------------------------------------------------------------


def _resource(resource_type: str, props: dict, name: str, type_chain: str = "") -> PolicyResource:
    return PolicyResource(
        resource_type=resource_type,
        props=unknown_checking_proxy(props),
        urn=_urn(type_chain or resource_type, name),
        name=name,
        opts=_opts(True),
        provider=None,
        parent=None,
        dependencies=[],
        property_dependencies={},
    )


def _stack(*resources: PolicyResource) -> StackValidationArgs:
    return StackValidationArgs(resources=list(resources))


def _tagged_bot(geography: str) -> PolicyResource:
    return _resource(r.BOT, {"location": "global", "tags": {r.GEOGRAPHY_TAG: geography}}, "channel-bot")


def _binding(url: str, name: str = "binding-queue") -> PolicyResource:
    return _resource(
        QUEUE,
        {"environmentUrl": url, "botAppId": "77777777-7777-4777-8777-777777777777"},
        name,
        f"{r.BINDING_COMPONENT}${QUEUE}",
    )


def _stack_violations(args: StackValidationArgs) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    BY_NAME["dataverse-matches-geography"].validate(
        args, lambda message, urn=None: found.append((message, urn))
    )
    return found


def test_dataverse_in_another_geography_than_the_bot_is_a_violation_on_that_resource():
    binding = _binding(DEV_URL)
    [(message, urn)] = _stack_violations(_stack(_tagged_bot("europe"), binding))
    assert urn == binding.urn
    assert "in 'unitedstates'" in message and "bot declares 'europe'" in message


def test_unknown_dataverse_host_is_a_violation_rather_than_a_silent_pass():
    [(message, _)] = _stack_violations(_stack(_tagged_bot("europe"), _binding("https://contoso.example.com")))
    assert "not a known Dataverse host" in message


def test_dataverse_in_the_bot_geography_passes():
    assert (
        _stack_violations(
            _stack(
                _tagged_bot("europe"),
                _binding(PROD_URL),
                _binding(PROD_URL, "binding-role"),
                _resource(r.APPLICATION, {"signInAudience": "AzureADMyOrg"}, "bot-app"),
            )
        )
        == []
    )


def test_stack_without_a_tagged_bot_is_not_applicable():
    with pytest.raises(_NotApplicableError):
        _stack_violations(_stack(_binding(PROD_URL)))


def test_environment_url_unknown_during_preview_is_left_to_the_engine():
    with pytest.raises(UnknownValueError):
        _stack_violations(_stack(_tagged_bot("europe"), _binding(UNKNOWN_STRING_VALUE)))


# advisory policies --------------------------------------------------------------------------------


def test_client_secret_is_reported_with_the_federated_alternative():
    [message] = _violations(
        "prefer-federated-credentials", _args(r.APPLICATION_PASSWORD, {"displayName": "ci"})
    )
    assert "federated identity credential" in message and "createClientSecret" in message


def test_federated_credential_passes():
    args = _args(r.FEDERATED_CREDENTIAL, {"subject": "repo:contoso/handoff:environment:prod"})
    assert _violations("prefer-federated-credentials", args) == []


def _teams(enabled: bool) -> ResourceValidationArgs:
    return _args(
        r.CHANNEL,
        {
            "channelName": "MsTeamsChannel",
            "properties": {"channelName": "MsTeamsChannel", "properties": {"isEnabled": enabled}},
        },
        name="channel-teams",
    )


def test_disabled_teams_channel_is_reported():
    [message] = _violations("teams-channel-enabled", _teams(False))
    assert "disabled" in message and "isEnabled" in message


def test_enabled_teams_channel_passes():
    assert _violations("teams-channel-enabled", _teams(True)) == []


def test_global_bot_for_a_geography_outside_the_united_states_is_reported():
    [message] = _violations("regional-bot-for-data-residency", _bot(location="global", geography="europe"))
    assert "westeurope" in message


@pytest.mark.parametrize("location, geography", [("westeurope", "europe"), ("global", "unitedstates")])
def test_regional_bot_or_a_united_states_global_bot_passes(location, geography):
    assert _violations("regional-bot-for-data-residency", _bot(location=location, geography=geography)) == []


# endpoints-stay-in-cloud ------------------------------------------------------------------------------


def _endpoints(cloud: str = "public", allow=False, **overrides: str) -> ResourceValidationArgs:
    props = {
        "cloud": cloud,
        "authorityHost": "",
        "resourceManagerEndpoint": "",
        "dataverseApiEndpoint": "",
        "allowForeignEndpoints": allow,
        **overrides,
    }
    return _args(r.ENDPOINTS_COMPONENT, props, name="api-endpoints")


@pytest.mark.parametrize(
    "key, url",
    [
        ("dataverseApiEndpoint", "https://proxy.example.net/api/data/v9.2"),
        ("authorityHost", "https://login.example.net"),
        ("resourceManagerEndpoint", "https://management.usgovcloudapi.net"),  # another cloud's host
        ("authorityHost", "https://login.microsoftonline.com.example.net"),
    ],
)
def test_an_endpoint_override_outside_the_cloud_is_a_violation(key, url):
    [message] = _violations("endpoints-stay-in-cloud", _endpoints(**{key: url}))
    assert f"handoff:{key} is {url}" in message and "handoff:allowForeignEndpoints" in message


@pytest.mark.parametrize(
    "cloud, overrides",
    [
        (
            "public",
            {"authorityHost": "https://127.0.0.1:8443", "dataverseApiEndpoint": "https://localhost:1/api"},
        ),
        ("public", {"dataverseApiEndpoint": "https://contoso.api.crm4.dynamics.com/api/data/v9.2"}),
        ("public", {"authorityHost": "https://login.microsoftonline.com"}),
        ("usgovernment", {"resourceManagerEndpoint": "https://management.usgovcloudapi.net"}),
        ("china", {"authorityHost": "https://login.partner.microsoftonline.cn"}),
    ],
)
def test_overrides_to_the_clouds_hosts_or_loopback_pass(cloud, overrides):
    assert _violations("endpoints-stay-in-cloud", _endpoints(cloud, **overrides)) == []


def test_a_foreign_endpoint_with_the_documented_opt_in_passes():
    args = _endpoints(allow=True, dataverseApiEndpoint="https://dataverse.private.example/api/data/v9.2")
    assert _violations("endpoints-stay-in-cloud", args) == []


# the pack --------------------------------------------------------------------------------


def _channel(name: str, bot: str | None) -> PolicyResource:
    props = {"channelName": name, "properties": {"channelName": name}}
    if bot is not None:
        props["resourceName"] = bot
    return _resource(r.CHANNEL, props, f"channel-{name.lower()}")


def _named_bot(name: str) -> PolicyResource:
    return _resource(r.BOT, {"resourceName": name, "tags": {r.GEOGRAPHY_TAG: "europe"}}, "channel-bot")


def _omnichannel_violations(args: StackValidationArgs) -> list[str]:
    found: list[str] = []
    BY_NAME["azure-bot-has-omnichannel-channel"].validate(
        args, lambda message, urn=None: found.append(message)
    )
    return found


def test_an_azure_bot_with_only_a_teams_channel_is_a_violation():
    [message] = _omnichannel_violations(_stack(_named_bot("bot1"), _channel("MsTeamsChannel", "bot1")))
    assert "has no Omnichannel channel" in message and "Channels > Omnichannel" in message


@pytest.mark.parametrize("bot_name", ["bot1", None], ids=["known", "unknown in a preview"])
def test_an_azure_bot_with_its_omnichannel_channel_passes(bot_name):
    assert _omnichannel_violations(_stack(_named_bot("bot1"), _channel("Omnichannel", bot_name))) == []


def test_a_stack_without_an_azure_bot_has_no_channel_to_check():
    with pytest.raises(_NotApplicableError):
        _omnichannel_violations(_stack(_binding(DEV_URL)))


def test_pack_serves_six_mandatory_and_three_advisory_policies_with_unique_names():
    levels = [policy.enforcement_level for policy in POLICIES]
    assert len(BY_NAME) == len(POLICIES) == 9
    assert levels.count(EnforcementLevel.MANDATORY) == 6 and levels.count(EnforcementLevel.ADVISORY) == 3


def test_pack_entry_point_serves_exactly_these_policies():
    tree = ast.parse((ROOT / "policy" / "__main__.py").read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "PolicyPack"
    ]
    [call] = calls
    assert {kw.arg: ast.unparse(kw.value) for kw in call.keywords}["policies"] == "list(POLICIES)"
