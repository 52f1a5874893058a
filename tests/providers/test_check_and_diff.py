"""Check and Diff of every binding provider through the real provider server: bad inputs are refused with the
key and the fix before any request is sent, a binding never moves, unknowns pass during preview, and Diff
compares only the managed keys (never `__provider`)."""

from __future__ import annotations

import base64

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from components.dynamic.bot_user import BotApplicationUser
from emulator.dataverse import testing as dv
from offline.harness import DEV_AZURE_BOT_ID

from .support import ORDER, Binding, Driver, resource_of

USER = "a1300000-0000-4000-8000-0000000000b0"
WHERE = {"environmentUrl": dv.DEV, "botAppId": dv.DEV_BOT_APP}
# Every binding resource: the dev stack's (a Copilot Studio agent's: its user is ConnectedAgentUser) and an
# Azure bot's application user ("bot-user").
RESOURCES = {role: resource_of(role) for role in ORDER} | {"bot-user": BotApplicationUser}
VALID = {
    "user": {"environmentUrl": dv.DEV, "botAppId": dv.DEV_AGENT_APP},
    "bot-user": {**WHERE, "displayName": "Contoso Handoff (dev)", "azureBotId": DEV_AZURE_BOT_ID},
    "role": {**WHERE, "userId": USER, "businessUnitId": dv.ROOT_BU},
    "queue": {**WHERE, "userId": USER, "queue": "Bot escalations"},
    "workstream": {**WHERE, "userId": USER, "workstream": "Contoso chat"},
    "context": {**WHERE, "workstreamId": dv.CONTOSO_CHAT, "variables": ["customerTier:text"]},
    "agent": {**WHERE, "schemaName": "cr5a1_contosoHelper", "agentName": "Contoso Helper"},
}
BAD = {  # resource -> (inputs replaced, the keys that must fail, a fragment of the fix)
    "user": ({"capacity": 0, "botAppId": "agent"}, {"capacity", "botAppId"}, "GUID"),
    "bot-user": (
        {"capacity": 0, "azureBotId": "contoso-handoff-dev"},
        {"capacity", "azureBotId"},
        "/providers/Microsoft.BotService/botServices/",
    ),
    "role": ({"userId": "bot", "businessUnitId": None}, {"userId", "businessUnitId"}, "GUID"),
    "queue": (
        {"queue": "", "environmentUrl": "https://contoso.example.com"},
        {"queue", "environmentUrl"},
        "<org>.crm.dynamics.com",
    ),
    "workstream": (
        {"workstream": "x" * 201, "botAppId": "not-a-guid"},
        {"workstream", "botAppId"},
        "00000000-0000-0000-0000-000000000000",
    ),
    "context": ({"variables": ["tier:colour", "tier:text"]}, {"variables"}, "text, number"),
    "agent": (
        {"agentName": "Contoso Customer Care Escalation Assistant", "schemaName": "contosoHelper"},
        {"agentName", "schemaName"},
        "at most 30 characters",
    ),
}


@pytest.mark.parametrize("name", RESOURCES)
def test_providers_are_pickled_by_reference_and_carry_no_state(name):
    provider = RESOURCES[name].PROVIDER
    pickled = serialize_provider(provider())
    assert len(pickled) < 200  # a reference to the class, not its code or any client
    assert dill.loads(base64.b64decode(pickled)).__dict__ == {}


@pytest.mark.parametrize("name", RESOURCES)
def test_check_accepts_valid_inputs_and_fills_defaults_and_desired_flags(server, world, name):
    checked = Driver(server, RESOURCES[name]).checked(VALID[name])
    assert checked["environmentUrl"] == dv.DEV and checked["botAppId"] == VALID[name]["botAppId"]
    expected = {
        "user": {"capacity": 100, "enabled": True},
        "bot-user": {"capacity": 100, "botProvider": "other", "enabled": True},
        "role": {"roleName": "Omnichannel agent", "assigned": True},
        "queue": {"capacity": 100, "member": True},
        "workstream": {"botUserId": USER},
        "context": {"variables": ["customerTier:text"]},
        "agent": {"publish": True, "provisioned": True, "publishState": "current"},
    }[name]
    assert {key: checked[key] for key in expected} == expected
    # A new resource's check resolves what create will need (preview fails where up would): reads only.
    assert {r.method for r in world.requests() if r.service != "entra"} <= {"GET"}


@pytest.mark.parametrize("name", RESOURCES)
def test_check_names_every_bad_key_and_its_fix_without_sending_a_request(server, world, name):
    replaced, keys, fix = BAD[name]
    outcome = Driver(server, RESOURCES[name]).check({**VALID[name], **replaced})
    assert {key for key, _ in outcome.failures} == keys
    assert any(fix in reason for _, reason in outcome.failures), outcome.failures
    assert all(reason.startswith(f"{key}") for key, reason in outcome.failures)
    assert world.requests() == []


@pytest.mark.parametrize("name", RESOURCES)
def test_an_unchanged_check_of_a_resource_in_state_sends_no_request(server, world, name):
    driver = Driver(server, RESOURCES[name])
    olds = driver.checked(VALID[name])
    world.clear_requests()
    driver.checked(VALID[name], olds=olds)
    assert world.requests() == []


def test_check_normalises_what_the_services_normalise(server):
    checked = Driver(server, "queue").checked(
        {
            **VALID["queue"],
            "environmentUrl": "HTTPS://Contoso-Dev.crm.dynamics.com/",
            "botAppId": dv.DEV_BOT_APP.upper(),
            "userId": USER.upper(),
            "queue": dv.BOT_ESCALATIONS.upper(),
        }
    )
    assert (checked["environmentUrl"], checked["botAppId"], checked["userId"], checked["queue"]) == (
        dv.DEV,
        dv.DEV_BOT_APP,
        USER,
        dv.BOT_ESCALATIONS,
    )


def test_check_refuses_an_environment_of_another_cloud(server):
    gcc_high = "https://contoso.crm.microsoftdynamics.us"
    outcome = Driver(server, "role").check({**VALID["role"], "environmentUrl": gcc_high})
    assert [key for key, _ in outcome.failures] == ["environmentUrl"]
    assert "handoff:cloud is public" in outcome.failures[0][1]


@pytest.mark.parametrize("key, value", [("environmentUrl", dv.PROD), ("botAppId", dv.PROD_BOT_APP)])
@pytest.mark.parametrize("name", RESOURCES)
def test_check_refuses_to_move_an_existing_binding(server, world, name, key, value):
    driver = Driver(server, RESOURCES[name])
    olds = driver.checked(VALID[name])
    world.clear_requests()
    outcome = driver.check({**VALID[name], key: value}, olds=olds)
    assert [k for k, _ in outcome.failures] == [key]
    reason = outcome.failures[0][1]
    assert "Mitigation [environment-cannot-change]" in reason and "create a new bot" in reason
    assert world.requests() == []


def test_check_lets_unknown_values_through_during_preview_and_diff_calls_them_changes(server):
    driver = Driver(server, "queue")
    olds = driver.checked(VALID["queue"])
    outcome = driver.check({**VALID["queue"], "userId": rpc.UNKNOWN}, olds=olds)
    assert outcome.failures == ()
    live = {**olds, "queueId": dv.BOT_ESCALATIONS, "queueName": "Bot escalations", "member": True}
    assert server.diff("id", driver.urn, live, {**outcome.inputs, "queue": rpc.UNKNOWN}).changes == "some"


def test_check_ignores_moving_a_binding_still_unknown_in_preview(server):
    driver = Driver(server, "role")
    olds = driver.checked(VALID["role"])
    assert driver.check({**VALID["role"], "botAppId": rpc.UNKNOWN}, olds=olds).failures == ()


def test_diff_compares_managed_keys_normalised_and_ignores_the_provider_pickle(server):
    driver = Driver(server, "workstream")
    news = driver.checked(VALID["workstream"])
    live = {
        **news,
        "workstreamId": dv.CONTOSO_CHAT,
        "workstreamName": "contoso CHAT",
        "botUserId": USER.upper(),
        "adopted": False,
        "__provider": "a pickle of an older version of the provider",
    }
    assert server.diff(dv.CONTOSO_CHAT, driver.urn, live, driver.bag(news)).changes == "none"
    moved = {**live, "botUserId": dv.PARTNER_BOT_USER}
    assert server.diff(dv.CONTOSO_CHAT, driver.urn, moved, driver.bag(news)).changes == "some"
    assert server.diff(dv.CONTOSO_CHAT, driver.urn, live, driver.bag(news)).replaces == ()


def test_a_binding_redeployed_unchanged_sends_no_request(server, world):
    binding = Binding(server)
    binding.deploy()
    world.clear_requests()
    assert {role: diff.changes for role, diff in binding.preview().items()} == dict.fromkeys(ORDER, "none")
    assert world.requests() == []
