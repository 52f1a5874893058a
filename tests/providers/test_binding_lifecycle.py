"""A whole binding through the provider server, as `pulumi up`, `pulumi refresh` and `pulumi destroy` drive
it:
drift made through the emulator as a portal click would is reported by Read and Diff on exactly the
resource it
touched and remediated by Update; a fault between the bot user and its role leaves no duplicate and no orphan;
delete refuses without the override and, with it, undoes only what is safe."""

from __future__ import annotations

import json
import re

import pytest

from emulator.dataverse import testing as dv
from emulator.entra.testing import fixture_secret
from offline.harness import azure_bot_binding
from offline.provider_server import ProviderError

from .support import ORDER, Binding, pairs, rows, start_server, writes


@pytest.fixture(scope="module")
def removable(emulator_server):
    """The provider server of a stack that set handoff:allowBindingRemoval to true."""
    srv = start_server(emulator_server, allowBindingRemoval=True)
    yield srv
    srv.stop()


@pytest.fixture
def deployed(server, world) -> Binding:
    binding = Binding(server)
    binding.deploy()
    world.clear_requests()
    return binding


def user(binding: Binding) -> str:
    return binding.state["user"].id


def workstream_bot(emulator) -> str:
    [row] = rows(emulator, "msdyn_liveworkstreams", msdyn_liveworkstreamid=dv.CONTOSO_CHAT)
    return row["_msdyn_bot_user_value"]


def variable_id(emulator, name: str) -> str:
    [row] = rows(
        emulator,
        "msdyn_ocliveworkstreamcontextvariables",
        msdyn_name=name,
        _msdyn_liveworkstreamid_value=dv.CONTOSO_CHAT,
    )
    return row["msdyn_ocliveworkstreamcontextvariableid"]


# Each drift as an administrator would make it, and what the live value then reads.
DRIFTS = {
    "queue": (
        lambda p, b, e: p.delete(f"queues({dv.BOT_ESCALATIONS})/queuemembership_association({user(b)})/$ref"),
        "member",
        False,
    ),
    "workstream": (
        lambda p, b, e: p.patch(
            f"msdyn_liveworkstreams({dv.CONTOSO_CHAT})",
            json={"msdyn_bot_user@odata.bind": f"/systemusers({dv.PARTNER_BOT_USER})"},
        ),
        "botUserId",
        dv.PARTNER_BOT_USER,
    ),
    "role": (
        lambda p, b, e: p.delete(f"systemusers({user(b)})/systemuserroles_association({dv.OC_AGENT})/$ref"),
        "assigned",
        False,
    ),
    # The agent's bot user disabled is Disconnect: drift, but Copilot Studio's to undo (test_connected_agent).
    "agent": (
        lambda p, b, e: p.patch(f"botcomponents({dv.ESCALATE_TOPIC})", json={"data": "kind: AdaptiveDialog"}),
        "publishState",
        "stale",
    ),
    "context": (
        lambda p, b, e: p.delete(f"msdyn_ocliveworkstreamcontextvariables({variable_id(e, 'orderNumber')})"),
        "variables",
        ["customerTier:text"],  # the stack's own: names are exact, the fixture's CustomerTier is another
    ),
}


def test_deploy_then_redeploy_and_refresh_find_nothing_to_do(deployed, world):
    assert {role: diff.changes for role, diff in deployed.preview().items()} == dict.fromkeys(ORDER, "none")
    assert world.requests() == []
    refreshed = deployed.refresh()
    assert {role: diff.changes for role, (_, diff) in refreshed.items()} == dict.fromkeys(ORDER, "none")
    reads = world.requests()
    assert len(reads) == len(ORDER) and {r.method for r in reads} == {"GET"}


def test_no_secret_or_token_reaches_outputs_or_the_provider_log(server, world):
    binding = Binding(server)
    binding.deploy()
    binding.refresh()
    recorded = json.dumps([(d.outputs, d.inputs) for d in binding.state.values()]) + server.stderr()
    assert fixture_secret(dv.DEPLOYER_APP) not in recorded
    assert not re.search(r"eyJ[A-Za-z0-9_-]{10,}\.", recorded)  # no JWT (the tokens the emulator issues)


@pytest.mark.parametrize("role", DRIFTS)
def test_drift_is_reported_where_it_happened_and_update_remediates_it(deployed, world, portal, role):
    make, key, live = DRIFTS[role]
    assert make(portal, deployed, world).status_code == 204
    refreshed = deployed.refresh()
    read, diff = refreshed[role]
    assert read.outputs[key] == live and read.inputs[key] == live and diff.changes == "some"
    assert {r: d.changes for r, (_, d) in refreshed.items() if r != role} == dict.fromkeys(
        set(ORDER) - {role}, "none"
    )
    deployed.remediate(role)
    assert {r: d.changes for r, (_, d) in deployed.refresh().items()} == dict.fromkeys(ORDER, "none")


def test_remediation_restores_the_live_state(deployed, world, portal):
    for make, _, _ in DRIFTS.values():
        make(portal, deployed, world)
    for role in ORDER:
        deployed.remediate(role)
    uid = user(deployed)
    assert (dv.BOT_ESCALATIONS, uid) in pairs(world, "queuemembership_association")
    assert (uid, dv.OC_AGENT) in pairs(world, "systemuserroles_association")
    assert workstream_bot(world) == uid
    [agent] = rows(world, "bots", botid=dv.CONTOSO_HELPER)
    assert agent["publishedon"] >= agent["modifiedon"]
    assert variable_id(world, "orderNumber")


def test_after_a_fault_assigning_the_role_the_next_run_completes(server, world):
    binding = Binding(server)
    binding.deploy(("user",))
    world.inject(method="POST", path=r"/systemuserroles_association/\$ref$", status=500, count=1)
    with pytest.raises(ProviderError):
        binding.deploy(("role",))
    assert not any(u == user(binding) for u, _ in pairs(world, "systemuserroles_association"))
    world.clear_requests()
    binding.deploy(ORDER[1:])  # the user is in state: the next `pulumi up` creates the rest
    assert (user(binding), dv.OC_AGENT) in pairs(world, "systemuserroles_association")
    assert not [r for r in writes(world) if r.path.endswith("/systemusers")]


def test_a_run_that_lost_the_bot_user_from_state_adopts_it_and_leaves_no_duplicate_or_orphan(server, world):
    first = Binding(server, azure_bot_binding())  # an Azure bot: the stack creates its user
    first.deploy(("user",))
    world.inject(method="POST", path=r"/systemuserroles_association/\$ref$", kind="drop", count=1)
    world.inject(method="POST", path=r"/systemuserroles_association/\$ref$", status=500, count=1)
    with pytest.raises(ProviderError):
        first.deploy(("role",))
    # Worst case: the engine died before it saved the user's create. The next run starts from empty state.
    world.clear_requests()
    rerun = Binding(server, azure_bot_binding())
    rerun.deploy()
    [row] = rows(world, "systemusers", applicationid=dv.DEV_BOT_APP)
    assert rerun.state["user"].id == row["systemuserid"] == user(first)
    assert rerun.state["user"].outputs["adopted"] is True
    assert not [r for r in writes(world) if r.path.endswith("/systemusers")]
    assert [p for p in pairs(world, "systemuserroles_association") if p[0] == row["systemuserid"]] == [
        (row["systemuserid"], dv.OC_AGENT)
    ]


def test_delete_of_every_binding_resource_is_refused_without_the_override(deployed, world):
    for role in reversed(ORDER):
        with pytest.raises(ProviderError) as caught:
            deployed.drivers[role].delete(deployed.state[role])
        message = caught.value.message
        assert message.startswith("refusing to delete") and "allowBindingRemoval" in message
    assert world.requests() == []


@pytest.mark.parametrize("kind", ["agent", "azure bot"])
def test_delete_with_the_override_undoes_only_what_is_safe(removable, world, kind):
    binding = Binding(removable, azure_bot_binding() if kind == "azure bot" else None)
    binding.deploy()
    [agent_before] = rows(world, "bots", botid=dv.CONTOSO_HELPER)
    world.clear_requests()
    for role in reversed(binding.order):
        binding.drivers[role].delete(binding.state[role])
    uid = user(binding)
    [bot_user] = rows(world, "systemusers", systemuserid=uid)
    # An Azure bot's user is disabled, as Microsoft's Disconnect does; an agent's is Copilot Studio's: left.
    assert bot_user["isdisabled"] is (kind == "azure bot")
    assert (uid, dv.OC_AGENT) not in pairs(world, "systemuserroles_association")
    assert (dv.BOT_ESCALATIONS, uid) not in pairs(world, "queuemembership_association")
    assert workstream_bot(world) is None
    names = {
        r["msdyn_name"]
        for r in rows(
            world, "msdyn_ocliveworkstreamcontextvariables", _msdyn_liveworkstreamid_value=dv.CONTOSO_CHAT
        )
    }
    assert names == {"Locale", "CustomerTier"}  # customerTier and orderNumber were the stack's, the rest not
    assert rows(world, "bots", botid=dv.CONTOSO_HELPER) == [agent_before]
    record = re.compile(r"/(systemusers|bots)\([^/]*\)$")
    assert not [r for r in writes(world) if r.method == "DELETE" and record.search(r.path)]


def test_delete_with_the_override_leaves_a_workstream_another_bot_took_alone(removable, world, portal):
    binding = Binding(removable)
    binding.deploy()
    portal.patch(
        f"msdyn_liveworkstreams({dv.CONTOSO_CHAT})",
        json={"msdyn_bot_user@odata.bind": f"/systemusers({dv.PARTNER_BOT_USER})"},
    )
    binding.drivers["workstream"].delete(binding.state["workstream"])
    assert workstream_bot(world) == dv.PARTNER_BOT_USER
