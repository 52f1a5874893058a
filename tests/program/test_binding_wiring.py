"""The OmnichannelBinding under Pulumi mocks: protected with every child (read from the RegisterResource
requests
the MockMonitor subclass of offline/program.py records), its inputs taken from the stack file, and each
resource wired to the outputs of the one before it as the providers expect."""

from __future__ import annotations

import logging
from typing import Optional

import pytest

from components import validation as v
from emulator.dataverse import testing as dv
from offline.program import STACK_IDENTITIES, DeterministicMocks, ProgramRun, load_stack_config, run_program

from .test_program_structure import AGENT_BINDING, AZURE_BOT_BINDING, stack_file

AGENT_APP_ID = "62d6e431-abed-54f1-a1ca-e4e5098f19ab"  # Pulumi.dev.yaml handoff:copilotAgentAppId


def children(run: ProgramRun) -> list:
    return AGENT_BINDING if run.stack == "dev" else AZURE_BOT_BINDING


def app_id(run: ProgramRun) -> str:
    return AGENT_APP_ID if run.stack == "dev" else STACK_IDENTITIES[run.stack].bot_app_client_id


BINDING = "handoff:omnichannel:OmnichannelBinding"
USER_ID = "a1300000-0000-4000-8000-0000000000b0"
WARNING = "queue 'Bot escalations': the bot's capacity 100 is not above Blake Agent (100)"


def provider_outputs(args) -> Optional[tuple[str, dict]]:
    """What the binding's providers answer, so outputs flow into the next resource's inputs as in a
    deployment."""
    if not args.typ.startswith("pulumi-python:dynamic/"):
        return None
    inputs = {key: value for key, value in args.inputs.items() if key != "__provider"}
    kind = args.typ.rsplit(":", 1)[1]
    user = {"userId": USER_ID, "businessUnitId": dv.ROOT_BU, "adopted": True, "enabled": True}
    outputs = {
        "BotApplicationUser": user,
        "ConnectedAgentUser": user,
        "RoleAssignment": {"roleId": dv.OC_AGENT, "assigned": True},
        "QueueMembership": {"queueId": dv.BOT_ESCALATIONS, "member": True, "warnings": [WARNING]},
        "WorkstreamBot": {"workstreamId": dv.CONTOSO_CHAT, "botUserId": inputs.get("userId")},
        "ContextVariables": {},
        "CopilotAgent": {"agentId": dv.CONTOSO_HELPER, "publishedOn": "2024-05-01T10:00:00+00:00"},
    }[kind]
    return f"{kind}-{args.name}", {**inputs, **outputs}


@pytest.fixture(scope="module", params=("dev", "prod"))
def wired(request) -> ProgramRun:
    stack = request.param
    mock = DeterministicMocks(stack, load_stack_config(stack=stack), resource_hook=provider_outputs)
    return run_program(stack=stack, mock=mock)


def test_the_binding_and_every_child_are_protected_and_parented(committed):
    binding = committed.named("omnichannel")
    assert binding.type == BINDING and binding.protect and not binding.custom
    for type_, name in children(committed):
        child = committed.named(name)
        assert (child.type, child.parent, child.protect) == (type_, binding.urn, True), name


def test_every_binding_resource_names_its_environment_and_app_id(wired):
    config = stack_file(wired)
    for _, name in children(wired):
        inputs = wired.named(name).inputs
        assert inputs["environmentUrl"] == v.normalize_url(config["dataverseUrl"]), name
        assert inputs["botAppId"] == app_id(wired), name


def test_the_children_after_the_user_name_the_app_id_the_user_verified(committed):
    user = committed.named("omnichannel-user")
    for _, name in children(committed)[1:]:
        assert user.urn in committed.named(name).dependencies, name


def test_binding_inputs_come_from_the_stack_file(committed):
    config = stack_file(committed)
    user, queue = committed.named("omnichannel-user"), committed.named("omnichannel-queue")
    assert user.inputs["capacity"] == config.get("botCapacity", 100)
    assert queue.inputs["queue"] == config["queue"]
    assert committed.named("omnichannel-workstream").inputs["workstream"] == config["workstream"]
    assert committed.named("omnichannel-context").inputs["variables"] == config["contextVariables"]


def test_an_agent_binding_verifies_the_connected_user_and_checks_and_publishes_the_agent(copilot_agent):
    config = stack_file(copilot_agent)
    user = copilot_agent.named("omnichannel-user")
    assert user.inputs["botAppId"] == config["copilotAgentAppId"]
    assert "displayName" not in user.inputs and "azureBotId" not in user.inputs  # nothing to create
    agent = copilot_agent.named("omnichannel-agent").inputs
    assert (agent["schemaName"], agent["agentName"], agent["publish"]) == (
        config["copilotAgentSchemaName"],
        config["copilotAgentName"],
        config.get("publishAgent", True),
    )


def test_an_azure_bot_binding_names_its_user_and_has_no_agent(azure_bot):
    config = stack_file(azure_bot)
    assert azure_bot.named("omnichannel-user").inputs["displayName"] == config["botDisplayName"]
    assert "omnichannel-agent" not in {r.name for r in azure_bot.registrations}
    assert "agentPublishedOn" not in azure_bot.outputs


def test_the_preflight_gets_the_azure_bot_id_and_waits_for_its_omnichannel_channel(azure_bot):
    user, bot = azure_bot.named("omnichannel-user"), azure_bot.named("channel-bot")
    assert user.inputs["azureBotId"] == bot.id
    assert {bot.urn, azure_bot.named("channel-omnichannel").urn} <= set(user.dependencies)


def test_the_user_id_flows_into_role_queue_and_workstream(wired):
    user = wired.named("omnichannel-user")
    for name in ("omnichannel-role", "omnichannel-queue", "omnichannel-workstream"):
        child = wired.named(name)
        assert child.inputs["userId"] == USER_ID and user.urn in child.dependencies, name
    assert wired.named("omnichannel-role").inputs["businessUnitId"] == dv.ROOT_BU


def test_queue_and_workstream_wait_for_the_role(wired):
    role = wired.named("omnichannel-role")
    for name in ("omnichannel-queue", "omnichannel-workstream"):
        assert role.urn in wired.named(name).dependencies, name


def test_the_workstream_id_flows_into_the_context_variables(wired):
    context = wired.named("omnichannel-context")
    assert context.inputs["workstreamId"] == dv.CONTOSO_CHAT
    assert wired.named("omnichannel-workstream").urn in context.dependencies


def test_the_agent_is_published_with_a_fingerprint_of_the_whole_binding(wired):
    if wired.stack != "dev":
        pytest.skip("an Azure bot's binding has no agent")
    agent = wired.named("omnichannel-agent")
    assert len(agent.inputs["bindingFingerprint"]) == 16
    assert {wired.named(name).urn for _, name in AGENT_BINDING if name != "omnichannel-agent"} <= set(
        agent.dependencies
    )


def test_stack_outputs_report_the_binding(wired):
    outputs = wired.outputs
    assert (outputs["botUserId"], outputs["botUserAdopted"]) == (USER_ID, True)
    assert (outputs["omnichannelQueueId"], outputs["omnichannelWorkstreamId"]) == (
        dv.BOT_ESCALATIONS,
        dv.CONTOSO_CHAT,
    )
    assert outputs["contextVariables"] == stack_file(wired)["contextVariables"]
    assert outputs["botAppId"] == app_id(wired) and outputs["botProvider"] == (
        "copilotStudio" if wired.stack == "dev" else "other"
    )
    if wired.stack == "dev":
        assert outputs["agentPublishedOn"] == "2024-05-01T10:00:00+00:00"


def test_capacity_warnings_are_logged_for_the_user_to_see(caplog):
    with caplog.at_level(logging.WARNING):
        run_program(
            stack="dev",
            mock=DeterministicMocks("dev", load_stack_config(stack="dev"), resource_hook=provider_outputs),
        )
    assert WARNING in caplog.text


def test_the_fingerprint_changes_with_what_is_connected_not_with_order_and_names_are_case_sensitive():
    from components.binding_plan import binding_fingerprint

    base = [
        USER_ID,
        dv.OC_AGENT,
        dv.BOT_ESCALATIONS,
        dv.CONTOSO_CHAT,
        ["CustomerTier:text", "orderNumber:text"],
    ]
    reordered = [
        USER_ID,
        dv.OC_AGENT,
        dv.BOT_ESCALATIONS,
        dv.CONTOSO_CHAT,
        ["orderNumber:text", "CustomerTier:text"],
    ]
    respelt = [
        USER_ID,
        dv.OC_AGENT,
        dv.BOT_ESCALATIONS,
        dv.CONTOSO_CHAT,
        ["customerTier:text", "orderNumber:text"],
    ]
    moved = [USER_ID, dv.OC_AGENT, dv.TIER2_CHAT, dv.CONTOSO_CHAT, ["CustomerTier:text", "orderNumber:text"]]
    assert binding_fingerprint(base) == binding_fingerprint(reordered)
    # Omnichannel matches context variable names case-sensitively: another spelling is another binding.
    assert binding_fingerprint(base) != binding_fingerprint(respelt)
    assert binding_fingerprint(base) != binding_fingerprint(moved)
