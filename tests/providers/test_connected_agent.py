"""A Copilot Studio agent's binding through the provider server against the emulator's portal-like Connect
(emulator/dataverse/models/portal.py): refused before any write while the agent is not connected, with the
candidate bot users to copy the App ID from; after Connect the binding adopts Connect's user and declares the
rest; Disconnect is drift; the stack never creates, deletes or disables an agent's bot user."""

from __future__ import annotations

import dataclasses

import pytest

from emulator.dataverse import testing as dv
from offline.provider_server import ProviderError

from .support import Binding, Driver, assert_entry, rows, start_server, writes


def agent_users(emulator) -> list[dict]:
    return rows(emulator, "systemusers", applicationid=dv.DEV_AGENT_APP)


def test_an_unconnected_agent_is_refused_before_any_write_with_what_to_click(server, unconnected):
    with pytest.raises(ProviderError) as caught:
        Binding(server).deploy()
    assert_entry(
        caught.value,
        "NotFoundError",
        "copilot-agent-not-connected",
        f"no user holds App ID {dv.DEV_AGENT_APP}",
        "no agent is connected here",  # the candidates: the Partner Bot is no Copilot Studio bot
        "Customer engagement hub",  # the click path
    )
    assert writes(unconnected) == [] and agent_users(unconnected) == []


def test_an_empty_app_id_lists_the_copilot_studio_bot_users_to_copy_it_from(server, world):
    binding = Binding(server, dataclasses.replace(Binding(None).spec, bot_app_id=""))
    with pytest.raises(ProviderError) as caught:
        binding.deploy(("user",))
    assert_entry(
        caught.value,
        "NotFoundError",
        "copilot-agent-not-connected",
        "copilotAgentAppId is empty",
        dv.DEV_AGENT_APP,
    )
    assert writes(world) == []


def test_after_connect_the_binding_adopts_connects_user_and_a_second_run_sends_nothing(server, world):
    [connected] = agent_users(world)
    binding = Binding(server)
    binding.deploy()
    user = binding.state["user"]
    assert (user.id, user.outputs["adopted"], user.outputs["botAppId"]) == (
        connected["systemuserid"],
        True,
        dv.DEV_AGENT_APP,
    )
    assert agent_users(world) == [agent_users(world)[0]]  # never a second user
    assert not [r for r in writes(world) if r.path.endswith("/systemusers")]  # never a create
    assert binding.state["workstream"].outputs["botUserId"] == connected["systemuserid"]
    world.clear_requests()
    assert {role: d.changes for role, d in binding.preview().items()} == dict.fromkeys(binding.order, "none")
    assert world.requests() == []


def test_disconnect_is_drift_and_update_says_to_connect_again_without_enabling_the_user(server, world):
    binding = Binding(server)
    binding.deploy()
    world.disconnect_agent(dv.DEV, dv.CONTOSO_HELPER_SCHEMA)
    read, diff = binding.drivers["user"].refresh(binding.state["user"])
    assert read.outputs["enabled"] is False and diff.changes == "some"
    world.clear_requests()
    with pytest.raises(ProviderError) as caught:
        binding.drivers["user"].update(binding.state["user"], olds=read.outputs)
    assert_entry(caught.value, "ValidationError", "copilot-agent-disconnected", "is disabled")
    assert writes(world) == [] and agent_users(world)[0]["isdisabled"] is True


def test_the_stack_changes_only_the_capacity_of_an_agents_bot_user(server, world):
    binding = Binding(server, dataclasses.replace(Binding(None).spec, bot_capacity=250))
    binding.deploy(("user",))
    [row] = agent_users(world)
    assert row["msdyn_capacity"] == 250 and row["isdisabled"] is False
    user_writes = [r for r in writes(world) if "systemusers" in r.path]
    assert [r.method for r in user_writes] == ["PATCH"]


def test_removing_an_agent_binding_never_disables_or_deletes_the_agents_user(world):
    removable = start_server(world, allowBindingRemoval=True)
    try:
        binding = Binding(removable)
        binding.deploy(("user",))
        world.clear_requests()
        binding.drivers["user"].delete(binding.state["user"])
    finally:
        removable.stop()
    assert writes(world) == []
    assert agent_users(world)[0]["isdisabled"] is False


def test_a_soft_deleted_agent_user_is_never_adopted(server, world, portal):
    [row] = agent_users(world)
    assert portal.delete(f"systemusers({row['systemuserid']})").status_code == 204
    world.clear_requests()
    with pytest.raises(ProviderError) as caught:
        Binding(server).deploy(("user",))
    assert_entry(caught.value, "ValidationError", "bot-user-soft-deleted", row["systemuserid"])
    assert writes(world) == []


def test_a_preview_of_an_unconnected_agent_fails_with_the_same_error_and_no_write(server, unconnected):
    user = Driver(server, "user")
    outcome_error = None
    try:
        user.check(Binding(None).inputs("user"))
    except ProviderError as error:
        outcome_error = error
    assert outcome_error is not None
    assert_entry(outcome_error, "NotFoundError", "copilot-agent-not-connected", "no agent is connected here")
    assert writes(unconnected, "dataverse") == []
