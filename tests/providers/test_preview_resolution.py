"""A preview catches what `up` would fail on: Check of a new or changed binding resource resolves, with GET
requests only, the names it will need and fails with the catalogue error `up` would give; a resource whose
resolved inputs are unchanged sends nothing (test_check_and_diff). The engine runs Check in a preview as in
an update (pulumi/pulumi sdk/python/lib/pulumi/dynamic/__main__.py: Check is the provider's `check`)."""

from __future__ import annotations

import pytest

from emulator.dataverse import testing as dv
from offline.provider_server import ProviderError

from .support import Binding, Driver, assert_entry, writes

USER = "a1300000-0000-4000-8000-0000000000b0"
WHERE = {"environmentUrl": dv.DEV, "botAppId": dv.DEV_AGENT_APP}
BASE = {
    "queue": {**WHERE, "queue": "Bot escalations"},
    "workstream": {**WHERE, "workstream": "Contoso chat"},
    "agent": {**WHERE, "schemaName": "cr5a1_contosoHelper", "agentName": "Contoso Helper"},
}


def checked_error(server, role: str, inputs: dict) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        Driver(server, role).check(inputs)
    return caught.value


def reads_only(world) -> bool:
    return writes(world, "dataverse") == [] and writes(world, "arm") == []


def test_a_misspelt_queue_fails_the_preview_with_its_catalogue_error(server, world):
    inputs = {**BASE["queue"], "userId": USER, "queue": "Bot escalation"}
    assert_entry(checked_error(server, "queue", inputs), "NotFoundError", "queue-not-found", "Bot escalation")
    assert reads_only(world)


def test_a_queue_that_is_not_omnichannel_fails_the_preview(server, world):
    inputs = {**BASE["queue"], "userId": USER, "queue": "Contoso support inbox"}
    assert_entry(checked_error(server, "queue", inputs), "ValidationError", "queue-not-omnichannel")
    assert reads_only(world)


@pytest.mark.parametrize(
    "workstream, key", [("Contoso chats", "workstream-not-found"), ("Contoso pick", "workstream-not-push")]
)
def test_a_wrong_workstream_fails_the_preview(server, world, workstream, key):
    inputs = {**BASE["workstream"], "userId": USER, "workstream": workstream}
    error = checked_error(server, "workstream", inputs)
    assert f"Mitigation [{key}]" in error.details
    assert reads_only(world)


def test_a_wrong_agent_fails_the_preview(server, world):
    inputs = {**BASE["agent"], "schemaName": "cr5a1_contosoHelpr"}
    error = checked_error(server, "agent", inputs)
    assert "Mitigation [agent-not-found]" in error.details
    assert reads_only(world)


def test_an_unconnected_agent_fails_the_preview_of_the_whole_binding_at_its_user(server, unconnected):
    spec = Binding(None).spec
    error = checked_error(
        server, "user", {"environmentUrl": spec.environment_url, "botAppId": spec.bot_app_id}
    )
    assert "Mitigation [copilot-agent-not-connected]" in error.details
    assert reads_only(unconnected)


def test_a_first_preview_with_unknown_ids_checks_what_is_known(server, world):
    # In a first preview the user's id is unknown: the queue is still resolved by name.
    from pulumi.runtime import rpc

    inputs = {**BASE["queue"], "userId": rpc.UNKNOWN, "queue": "No such queue"}
    assert "Mitigation [queue-not-found]" in checked_error(server, "queue", inputs).details
    assert reads_only(world)


def test_a_changed_queue_is_resolved_again(server, world):
    driver = Driver(server, "queue")
    base = {**BASE["queue"], "userId": USER}
    olds = driver.checked(base)
    world.clear_requests()
    with pytest.raises(ProviderError) as caught:
        driver.check({**base, "queue": "Tier 3 chat"}, olds=olds)
    assert "Mitigation [queue-not-found]" in caught.value.details
    assert [r.method for r in world.requests(service="dataverse")] and reads_only(world)


def test_the_preview_of_a_correct_new_binding_passes_with_reads_only(server, world):
    binding = Binding(server)
    binding.deploy(("user",))
    world.clear_requests()
    for role in ("role", "queue", "workstream"):
        binding.drivers[role].checked(binding.inputs(role))
    Driver(server, "agent").checked(BASE["agent"])
    assert reads_only(world)
