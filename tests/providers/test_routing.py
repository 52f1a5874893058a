"""RoleAssignment, QueueMembership and WorkstreamBot through the provider server: idempotent creates, the
catalogue's errors for a queue or workstream a bot cannot use, capacity warnings, and moves."""

from __future__ import annotations

import dataclasses

import pytest

from emulator.dataverse import testing as dv
from offline.provider_server import ProviderError

from .support import Binding, assert_entry, pairs, rows, stack_binding, writes


@pytest.fixture
def binding(server, world):
    """A deployed bot user (the other resources' inputs come from its outputs)."""
    binding = Binding(server)
    binding.deploy(("user",))
    world.clear_requests()
    return binding


def user_id(binding: Binding) -> str:
    return binding.state["user"].id


def test_role_is_the_omnichannel_agent_role_of_the_root_business_unit(binding, world):
    created = binding.deploy(("role",))["role"]
    assert created.outputs["roleId"] == dv.OC_AGENT and created.outputs["assigned"] is True
    assert (user_id(binding), dv.OC_AGENT) in pairs(world, "systemuserroles_association")


def test_assigning_a_role_the_user_already_has_is_success(binding, world, portal):
    portal.post(
        f"systemusers({user_id(binding)})/systemuserroles_association/$ref",
        json={"@odata.id": f"{portal.base}roles({dv.OC_AGENT})"},
    )
    assert binding.deploy(("role",))["role"].outputs["assigned"] is True
    assert [r.status for r in writes(world)] == [204, 412]  # the portal's, then ours: "already associated"


def test_queue_membership_joins_an_omnichannel_queue_by_name(binding, world):
    created = binding.deploy(("role", "queue"))["queue"]
    assert created.outputs["queueId"] == dv.BOT_ESCALATIONS and created.outputs["member"] is True
    assert created.outputs["warnings"] == []  # the humans have 40 and 60, the bot 100
    assert (dv.BOT_ESCALATIONS, user_id(binding)) in pairs(world, "queuemembership_association")


def test_a_queue_that_is_not_an_omnichannel_queue_is_refused(server, world):
    binding = Binding(server, stack_binding(queue="Contoso support inbox"))
    binding.deploy(("user", "role"))
    world.clear_requests()
    with pytest.raises(ProviderError) as caught:
        binding.deploy(("queue",))
    assert_entry(
        caught.value,
        "ValidationError",
        "queue-not-omnichannel",
        "Contoso support inbox",
        "not an Omnichannel queue",
    )
    assert writes(world) == []


def test_a_bot_without_the_highest_capacity_is_warned_not_refused(server, world):
    binding = Binding(server, stack_binding(queue=dv.TIER2_CHAT))
    created = binding.deploy(("user", "role", "queue"))["queue"]
    [warning] = created.outputs["warnings"]
    assert "Partner Bot (100)" in warning and "bot-not-highest-capacity" in warning and "\n" not in warning
    assert (dv.TIER2_CHAT, user_id(binding)) in pairs(world, "queuemembership_association")


def test_changing_the_queue_moves_the_bot(binding, world):
    queue = binding.deploy(("role", "queue"))["queue"]
    binding.spec = dataclasses.replace(binding.spec, queue=dv.TIER2_CHAT)
    driver = binding.drivers["queue"]
    assert driver.diff(queue, binding.inputs("queue")).changes == "some"
    moved = driver.update(queue, inputs=binding.inputs("queue"))
    members = pairs(world, "queuemembership_association")
    assert (dv.TIER2_CHAT, user_id(binding)) in members and (
        dv.BOT_ESCALATIONS,
        user_id(binding),
    ) not in members
    assert (
        moved.outputs["queueId"] == dv.TIER2_CHAT
        and driver.diff(moved, binding.inputs("queue")).changes == "none"
    )


def test_workstream_bot_is_set_on_a_push_workstream(binding, world):
    created = binding.deploy(("role", "workstream"))["workstream"]
    assert (created.id, created.outputs["botUserId"], created.outputs["adopted"]) == (
        dv.CONTOSO_CHAT,
        user_id(binding),
        False,
    )
    [row] = rows(world, "msdyn_liveworkstreams", msdyn_liveworkstreamid=dv.CONTOSO_CHAT)
    assert row["_msdyn_bot_user_value"] == user_id(binding)


def test_a_workstream_already_bound_to_our_bot_is_adopted(binding, world, portal):
    portal.patch(
        f"msdyn_liveworkstreams({dv.CONTOSO_CHAT})",
        json={"msdyn_bot_user@odata.bind": f"/systemusers({user_id(binding)})"},
    )
    world.clear_requests()
    created = binding.deploy(("role", "workstream"))["workstream"]
    assert created.outputs["adopted"] is True
    assert [r.path for r in writes(world)] == [
        f"/api/data/v9.2/systemusers({user_id(binding)})/systemuserroles_association/$ref"
    ]


def test_a_pick_workstream_is_refused(server, world):
    binding = Binding(server, stack_binding(workstream="Contoso pick"))
    binding.deploy(("user", "role"))
    with pytest.raises(ProviderError) as caught:
        binding.deploy(("workstream",))
    assert_entry(caught.value, "ValidationError", "workstream-not-push", "Contoso pick")


def test_a_workstream_bound_to_another_bot_is_refused_naming_that_bot(server, world):
    binding = Binding(server, stack_binding(workstream="Partner chat"))
    binding.deploy(("user", "role"))
    world.clear_requests()
    with pytest.raises(ProviderError) as caught:
        binding.deploy(("workstream",))
    assert_entry(
        caught.value,
        "ConflictError",
        "workstream-has-other-bot",
        f"its bot user is Partner Bot ({dv.PARTNER_BOT_USER})",
    )
    assert writes(world) == []
    [row] = rows(world, "msdyn_liveworkstreams", msdyn_liveworkstreamid=dv.PARTNER_CHAT)
    assert row["_msdyn_bot_user_value"] == dv.PARTNER_BOT_USER


def test_changing_the_workstream_moves_the_bot_and_releases_the_old_one(server, world, portal):
    portal.post(
        "msdyn_liveworkstreams",
        json={
            "msdyn_name": "Contoso chat 2",
            "msdyn_streamsource": 192390000,
            "msdyn_workdistributionmode": 192350000,
        },
    )
    binding = Binding(server)
    workstream = binding.deploy(("user", "role", "workstream"))["workstream"]
    binding.spec = dataclasses.replace(binding.spec, workstream="Contoso chat 2")
    moved = binding.drivers["workstream"].update(workstream, inputs=binding.inputs("workstream"))
    [old] = rows(world, "msdyn_liveworkstreams", msdyn_liveworkstreamid=dv.CONTOSO_CHAT)
    [new] = rows(world, "msdyn_liveworkstreams", msdyn_name="Contoso chat 2")
    assert old["_msdyn_bot_user_value"] is None and new["_msdyn_bot_user_value"] == user_id(binding)
    assert moved.outputs["workstreamId"] == new["msdyn_liveworkstreamid"]
    assert binding.drivers["workstream"].refresh(moved)[1].changes == "none"


def test_lowering_the_bots_capacity_below_a_human_is_an_update_that_warns(binding, world):
    # Issue 15, 4: the capacity is a managed input of the queue membership, so `up` checks the queue again and
    # warns as a fresh stack would.
    queue = binding.deploy(("role", "queue"))["queue"]
    assert queue.outputs["warnings"] == []
    lowered = {**binding.inputs("queue"), "capacity": 50}
    assert binding.drivers["queue"].diff(queue, lowered).changes == "some"
    updated = binding.drivers["queue"].update(queue, inputs=lowered)
    [warning] = updated.outputs["warnings"]
    assert "Blake Agent (60)" in warning and "[bot-not-highest-capacity]" in warning
