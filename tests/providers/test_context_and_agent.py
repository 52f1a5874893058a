"""ContextVariables and CopilotAgent through the provider server: declared variables made or adopted, others
left alone, removals limited to what the stack created; the agent checked (provisioned, named, extension
installed) and published when it is due, each refusal with its catalogue entry."""

from __future__ import annotations

import pytest

from emulator.dataverse import testing as dv
from offline.provider_server import ProviderError

from .support import Binding, Driver, assert_entry, rows, stack_binding, writes

WHERE = {"environmentUrl": dv.DEV, "botAppId": dv.DEV_BOT_APP}
TEXT, NUMBER = 192350000, 192350001


def variables(emulator, workstream=dv.CONTOSO_CHAT) -> dict[str, int]:
    found = rows(emulator, "msdyn_ocliveworkstreamcontextvariables", _msdyn_liveworkstreamid_value=workstream)
    return {r["msdyn_name"]: r["msdyn_datatype"] for r in found}


def context_inputs(*declared: str) -> dict:
    return {**WHERE, "workstreamId": dv.CONTOSO_CHAT, "variables": list(declared)}


def agent_inputs(schema="cr5a1_contosoHelper", name="Contoso Helper", publish=True, fingerprint="f1") -> dict:
    return {
        **WHERE,
        "schemaName": schema,
        "agentName": name,
        "publish": publish,
        "bindingFingerprint": fingerprint,
    }


def test_declared_variables_are_created_or_adopted_and_others_left_alone(server, world):
    created = Driver(server, "context").create(context_inputs("CustomerTier:text", "orderNumber:number"))
    assert variables(world) == {"Locale": TEXT, "CustomerTier": TEXT, "orderNumber": NUMBER}
    assert created.outputs["variables"] == ["CustomerTier:text", "orderNumber:number"]
    assert created.outputs["created"] == ["orderNumber"]  # CustomerTier existed: adopted, not ours to delete


def test_a_variable_spelt_with_other_case_is_another_variable(server, world):
    # Omnichannel matches names case-sensitively (context-variables-for-bot.md): customerTier is not the
    # workstream's CustomerTier, so it is created beside it, and is the stack's own.
    created = Driver(server, "context").create(context_inputs("customerTier:text"))
    assert variables(world) == {"Locale": TEXT, "CustomerTier": TEXT, "customerTier": TEXT}
    assert created.outputs["variables"] == ["customerTier:text"] and created.outputs["created"] == [
        "customerTier"
    ]


def test_a_variable_of_the_wrong_type_is_changed(server, world):
    created = Driver(server, "context").create(context_inputs("CustomerTier:number"))
    assert variables(world)["CustomerTier"] == NUMBER and created.outputs["variables"] == [
        "CustomerTier:number"
    ]


def test_removing_a_variable_from_the_stack_deletes_it_only_if_the_stack_created_it(server, world):
    driver = Driver(server, "context")
    created = driver.create(context_inputs("customerTier:text", "orderNumber:text"))
    news = context_inputs()
    assert driver.diff(created, news).changes == "some"
    updated = driver.update(created, inputs=news)
    assert variables(world) == {"Locale": TEXT, "CustomerTier": TEXT}
    assert updated.outputs["variables"] == [] and updated.outputs["created"] == []
    assert driver.diff(updated, news).changes == "none"


def test_context_variables_with_nothing_declared_send_no_request(server, world):
    created = Driver(server, "context").create(context_inputs())
    assert created.outputs["variables"] == [] and world.requests() == []


def test_the_agent_is_checked_and_published_when_the_binding_is_made(server, world):
    created = Driver(server, "agent").create(agent_inputs())
    [row] = rows(world, "bots", botid=dv.CONTOSO_HELPER)
    assert created.id == dv.CONTOSO_HELPER and created.outputs["publishState"] == "current"
    assert created.outputs["publishedOn"].startswith(row["publishedon"][:19])
    assert row["publishedon"] > "2024-05-01T10:00:00Z"
    assert [r.path.rsplit("/", 1)[-1] for r in writes(world)] == ["Microsoft.Dynamics.CRM.PvaPublish"]


def test_the_agent_is_republished_when_the_binding_changes_and_only_then(server, world):
    driver = Driver(server, "agent")
    created = driver.create(agent_inputs())
    world.clear_requests()
    assert driver.diff(created, agent_inputs()).changes == "none" and world.requests() == []
    changed = agent_inputs(fingerprint="f2")
    assert driver.diff(created, changed).changes == "some"
    driver.update(created, inputs=changed)
    assert len([r for r in writes(world) if r.path.endswith("PvaPublish")]) == 1


def test_a_never_published_agent_is_published_when_the_stack_publishes(server, world):
    created = Driver(server, "agent").create(agent_inputs(schema="cr5a1_draftAgent", name="Draft Agent"))
    assert created.outputs["publishState"] == "current" and created.outputs["publishedOn"]


def test_an_agent_whose_publish_job_is_still_running_is_waited_for_and_converges(server, world):
    world.configure(publish_delay_reads=1)  # the read after PvaPublish still sees the agent unpublished
    driver = Driver(server, "agent")
    created = driver.create(agent_inputs(schema="cr5a1_draftAgent", name="Draft Agent"))
    [row] = rows(world, "bots", botid=dv.DRAFT_AGENT)
    assert created.outputs["publishState"] == "current" and row["publishedon"]
    assert created.outputs["publishedOn"].startswith(row["publishedon"][:19])
    gets = [r for r in world.requests(service="dataverse") if r.method == "GET" and dv.DRAFT_AGENT in r.path]
    assert len(gets) == 2  # read back, then once more at once: no sleep for a one-read delay
    world.clear_requests()
    assert driver.diff(created).changes == "none" and writes(world) == []


def test_a_never_published_agent_is_refused_when_the_stack_does_not_publish(server, world):
    with pytest.raises(ProviderError) as caught:
        Driver(server, "agent").create(
            agent_inputs(schema="cr5a1_draftAgent", name="Draft Agent", publish=False)
        )
    assert_entry(caught.value, "ValidationError", "agent-not-published", "cr5a1_draftAgent")
    assert writes(world) == []


def test_a_deprovisioned_agent_is_refused(server, world):
    with pytest.raises(ProviderError) as caught:
        Driver(server, "agent").create(agent_inputs(schema="cr5a1_retiredAgent", name="Retired Agent"))
    assert_entry(caught.value, "ValidationError", "agent-not-provisioned", "status code is 2")


def test_an_agent_whose_live_name_is_too_long_is_refused(server, world):
    with pytest.raises(ProviderError) as caught:
        Driver(server, "agent").create(agent_inputs(schema="cr5a1_longNameAgent", name="Contoso Care"))
    assert_entry(caught.value, "ValidationError", "agent-name-too-long", "42 characters")
    assert writes(world) == []


def test_an_agent_named_otherwise_than_declared_is_refused(server, world):
    with pytest.raises(ProviderError) as caught:
        Driver(server, "agent").create(agent_inputs(name="Contoso Assistant"))
    assert_entry(
        caught.value, "ValidationError", "agent-name-mismatch", "'Contoso Helper'", "'Contoso Assistant'"
    )


def test_an_agent_missing_in_the_environment_is_refused(server, world):
    with pytest.raises(ProviderError) as caught:
        Driver(server, "agent").create(agent_inputs(schema="cr5a1_nobody"))
    assert_entry(caught.value, "NotFoundError", "agent-not-found", "cr5a1_nobody")


def test_an_agent_in_an_environment_without_the_bot_extension_is_refused(server, world):
    with pytest.raises(ProviderError) as caught:
        Driver(server, "agent").create({**agent_inputs(), "environmentUrl": dv.SANDBOX})
    assert_entry(caught.value, "NotFoundError", "omnichannel-not-installed", "msdyn_OmnichannelBase")
    assert writes(world) == []


def test_the_whole_binding_publishes_once(server, world):
    Binding(server, stack_binding()).deploy()
    assert len([r for r in writes(world) if r.path.endswith("PvaPublish")]) == 1


def test_a_failed_publish_job_stops_the_wait_and_shows_its_diagnostics(server, world):
    # The job's status is the bot's synchronizationstatus (lastFinishedPublishOperation [C]).
    world.configure(publish_failures=1)
    with pytest.raises(ProviderError) as caught:
        Driver(server, "agent").create(agent_inputs())
    assert_entry(caught.value, "ValidationError", "agent-publish-failed", "status Failed", "Topic 'Escalate'")
    assert [r.path.rsplit("/", 1)[-1] for r in writes(world)] == ["Microsoft.Dynamics.CRM.PvaPublish"]


def test_moving_the_bot_to_another_workstream_moves_the_stacks_variables_with_it(server, world):
    # Issue 15, 3: the workstream is a managed input, so its change is an update, not "= same".
    other = "a1500000-0000-4000-8000-0000000000c1"
    workstream = rows(world, "msdyn_liveworkstreams", msdyn_liveworkstreamid=dv.CONTOSO_CHAT)[0]
    moved = {**workstream, "msdyn_liveworkstreamid": other, "msdyn_name": "Contoso chat 2"}
    world.seed(
        {"dataverse": {"environments": [{"url": dv.DEV, "tables": {"msdyn_liveworkstreams": [moved]}}]}}
    )
    driver = Driver(server, "context")
    created = driver.create(context_inputs("CustomerTier:text", "orderNumber:text"))
    news = {**context_inputs("CustomerTier:text", "orderNumber:text"), "workstreamId": other}
    assert driver.diff(created, news).changes == "some"
    updated = driver.update(created, inputs=news)
    assert variables(world, other) == {"CustomerTier": TEXT, "orderNumber": TEXT}
    # The old workstream keeps what the stack did not make (Locale, the adopted CustomerTier).
    assert variables(world) == {"Locale": TEXT, "CustomerTier": TEXT}
    assert sorted(updated.outputs["created"]) == ["CustomerTier", "orderNumber"]
    assert driver.diff(updated, news).changes == "none"


def test_another_agent_for_a_deployed_binding_is_refused_in_check_saying_what_to_do(server, world):
    # Issue 15, 4: a new schema name alone is not "= same"; another agent is another binding.
    driver = Driver(server, "agent")
    olds = driver.checked(agent_inputs())
    world.clear_requests()
    outcome = driver.check(agent_inputs(schema="cr5a1_otherAgent"), olds=olds)
    [(key, reason)] = outcome.failures
    assert key == "schemaName" and "is another agent" in reason and "a stack of its own" in reason
    assert world.requests() == []
