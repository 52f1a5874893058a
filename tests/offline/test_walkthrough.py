"""The whole program against the emulator, as a newcomer's offline trial walks it (the dev stack: a Copilot
Studio agent, connected by the emulator's Connect unless a test says otherwise): the first `up` creates the
binding, a second `up` sends nothing, every portal-like change is reported by `refresh --preview-only` on the
right resource and property, `up --refresh` remediates, and nothing protected is ever deleted.

The emulator is the session's (reset and seeded per test: default fixture, native seed, portal administrator);
the provider server is the session's pool (same config and credentials: one process for the whole module).
"""

from __future__ import annotations

import io
import json
import pathlib
import re

import pytest

from drift import cli as drift_cli
from emulator.dataverse.testing import (
    BOT_ESCALATIONS,
    CONTOSO_CHAT,
    CONTOSO_HELPER_SCHEMA,
    DEV,
    DEV_AGENT_APP,
    OC_AGENT,
)
from emulator.entra.testing import DEPLOYER_APP, fixture_secret
from offline.emulator import EmulatorTarget, writes
from offline.portal import CHANGES, PORTAL_ADMIN_APP, Binding, apply_change, changes_for
from offline.program import ROOT
from offline.runner import CHANGES_FOUND, DEPLOYMENT_FAILED, SUCCESS, OfflineRunner
from offline.state import StateFile

DYNAMIC = "pulumi-python:dynamic/"
BINDING = "handoff:omnichannel:OmnichannelBinding"
# The property each portal change shows up on (the providers' output names: components/dynamic/specs.py).
DRIFTED_PROPERTY = {
    "remove-queue-membership": "member",
    "replace-workstream-bot": "botUserId",
    "remove-role": "assigned",
    "disable-bot-user": "enabled",
    "disconnect-agent": "enabled",
    "edit-agent-unpublished": "publishState",
    "delete-context-variable": "variables",
}


class Stack:
    """The committed dev stack, its offline state and the emulator it is deployed to."""

    def __init__(self, state_dir: pathlib.Path, target: EmulatorTarget, servers) -> None:
        self.state_dir, self.target, self.servers = state_dir, target, servers

    def runner(self, project_dir: pathlib.Path = ROOT, **overrides) -> OfflineRunner:
        return OfflineRunner(
            "dev",
            state_dir=self.state_dir,
            project_dir=project_dir,
            overrides={**self.target.overrides(), **overrides},
            provider_env=self.target.provider_env(),
            servers=self.servers,
        )

    def portal(self, change: str) -> str:
        runner = self.runner()
        return apply_change(change, self.target, Binding.from_config(runner.config()))

    @property
    def state_file(self) -> StateFile:
        return StateFile(self.state_dir, "handoff", "dev")

    def dataverse(self) -> dict:
        return next(e for e in self.target.state("dataverse")["environments"] if e["url"] == DEV)

    def bot_users(self) -> list[dict]:
        return [
            u for u in self.dataverse()["tables"]["systemusers"] if u.get("applicationid") == DEV_AGENT_APP
        ]


@pytest.fixture
def unconnected(tmp_path, emulator, provider_servers) -> Stack:
    target = EmulatorTarget(emulator.base_url, emulator.ca_path)
    target.seed_for_offline_runs()
    return Stack(tmp_path / "state", target, provider_servers)


@pytest.fixture
def stack(unconnected) -> Stack:
    """The dev stack after Copilot Studio's Connect of its agent."""
    unconnected.target.connect_agent(DEV, CONTOSO_HELPER_SCHEMA)
    return unconnected


def test_an_unconnected_agent_stops_up_before_any_write_and_connect_then_lets_it_bind(unconnected):
    failed = unconnected.runner().up()
    assert failed.exit_code == DEPLOYMENT_FAILED
    assert "Mitigation [copilot-agent-not-connected]" in failed.failure.message
    assert "Customer engagement hub" in failed.failure.message
    assert writes(unconnected.target.requests()) == [] and unconnected.bot_users() == []
    unconnected.portal("connect-agent")
    assert unconnected.runner().up().exit_code == SUCCESS
    [user] = unconnected.bot_users()  # Connect's user, adopted: the stack made none
    assert user["isdisabled"] is False


def test_first_up_creates_the_binding_in_dataverse_for_the_mocked_bot_app(stack):
    result = stack.runner().up()
    assert result.exit_code == SUCCESS, result.failure
    dynamic = {e.name: e.op for e in result.events if e.type.startswith(DYNAMIC)}
    assert dynamic == {
        f"omnichannel-{role}": "create"
        for role in ("user", "role", "queue", "workstream", "context", "agent")
    }
    assert result.outputs["botAppId"] == DEV_AGENT_APP
    assert result.outputs["omnichannelQueueId"] == BOT_ESCALATIONS
    assert result.outputs["omnichannelWorkstreamId"] == CONTOSO_CHAT
    assert result.outputs["botUserAdopted"] is True and result.outputs["agentPublishedOn"]
    [user] = stack.bot_users()
    assert result.outputs["botUserId"] == user["systemuserid"] and user["msdyn_agentType"] == 192350001
    associations = stack.dataverse()["associations"]
    assert [BOT_ESCALATIONS, user["systemuserid"]] in associations["queuemembership_association"]
    assert [user["systemuserid"], OC_AGENT] in associations["systemuserroles_association"]
    workstream = next(
        w
        for w in stack.dataverse()["tables"]["msdyn_liveworkstreams"]
        if w["msdyn_liveworkstreamid"] == CONTOSO_CHAT
    )
    assert workstream["_msdyn_bot_user_value"] == user["systemuserid"]
    recorded = stack.state_file.load()
    assert all(r.protect for r in recorded.resources if r.type.startswith(DYNAMIC) or r.type == BINDING)


def test_state_holds_no_secret_in_plaintext(stack):
    assert stack.runner().up().exit_code == SUCCESS
    text = stack.state_file.path.read_text()
    assert fixture_secret(DEPLOYER_APP) not in text
    provider = json.loads(text)["resources"][-1]["inputs"]["__provider"]  # the SDK marks it secret
    assert set(provider) == {"4dabf18193072939515e22adb298388d", "ciphertext"}


def test_a_second_up_sends_no_request_at_all(stack):
    assert stack.runner().up().exit_code == SUCCESS
    recorded = stack.state_file.load()
    stack.target.clear_requests()
    result = stack.runner().up()
    assert result.exit_code == SUCCESS and {e.op for e in result.events} == {"same"}
    assert stack.target.requests() == []
    assert {r.urn: r.outputs for r in stack.state_file.load().resources} == {
        r.urn: r.outputs for r in recorded.resources
    }


def test_a_preview_of_the_first_deploy_sends_no_write_and_records_nothing(stack):
    result = stack.runner().preview()
    assert result.exit_code == SUCCESS
    assert {e.op for e in result.events if e.type.startswith(DYNAMIC)} == {"create"}
    assert writes(stack.target.requests()) == []
    assert not stack.state_file.exists() and len(stack.bot_users()) == 1  # Connect's, untouched


@pytest.mark.parametrize(
    "change", sorted(name for name in changes_for("copilotStudio") if CHANGES[name].remediable)
)
def test_each_portal_change_is_reported_by_refresh_and_remediated_by_up_refresh(stack, change):
    assert stack.runner().up().exit_code == SUCCESS
    stack.target.clear_requests()
    stack.portal(change)
    assert {r["caller"] for r in writes(stack.target.requests())} == {PORTAL_ADMIN_APP}
    recorded = stack.state_file.path.read_bytes()
    stack.target.clear_requests()

    refreshed = stack.runner().refresh_preview()
    assert refreshed.exit_code == CHANGES_FOUND
    [drift] = refreshed.report.drifts
    assert drift.type == DYNAMIC + CHANGES[change].drifts and drift.kind == "changed"
    assert DRIFTED_PROPERTY[change] in [p.name for p in drift.properties]
    assert writes(stack.target.requests()) == [] and stack.state_file.path.read_bytes() == recorded
    _assert_the_event_log_reports_the_same_drift(refreshed.event_log, drift.urn, DRIFTED_PROPERTY[change])

    remediated = stack.runner().up(refresh=True)
    assert remediated.exit_code == SUCCESS
    assert drift.urn in [e.urn for e in remediated.events if e.op == "update"]
    assert stack.runner().refresh_preview().exit_code == SUCCESS
    assert len(stack.bot_users()) == 1


def test_a_disconnect_is_drift_that_up_refuses_to_undo_with_the_connect_click_path(stack):
    assert stack.runner().up().exit_code == SUCCESS
    stack.portal("disconnect-agent")
    refreshed = stack.runner().refresh_preview()
    assert refreshed.exit_code == CHANGES_FOUND
    [drift] = refreshed.report.drifts
    assert drift.type == DYNAMIC + "omnichannel:ConnectedAgentUser" and "enabled" in [
        p.name for p in drift.properties
    ]
    stack.target.clear_requests()
    failed = stack.runner().up(refresh=True)
    assert failed.exit_code == DEPLOYMENT_FAILED
    assert "Mitigation [copilot-agent-disconnected]" in failed.failure.message
    assert writes(stack.target.requests()) == [] and stack.bot_users()[0]["isdisabled"] is True


def _assert_the_event_log_reports_the_same_drift(log: pathlib.Path, urn: str, prop: str) -> None:
    """The log is in the engine's shape for a dynamic provider (no detailed diff) and the drift command,
    reading it as it reads a real pipeline's log, names the resource and the property, and exits 7."""
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    results = [e["resOutputsEvent"]["metadata"] for e in events if "resOutputsEvent" in e]
    assert results and all(m["detailedDiff"] is None and "diffs" not in m for m in results)
    assert [m["urn"] for m in results if m["op"] == "update"] == [urn]
    [summary] = [e["summaryEvent"] for e in events if "summaryEvent" in e]
    assert summary["resourceChanges"] == {"same": len(results) - 1, "update": 1}
    out = io.StringIO()
    code = drift_cli.main(["--from-event-log", f"dev={log}", "--format", "json", "--quiet"], stdout=out)
    [reported] = json.loads(out.getvalue())["stacks"][0]["drift"]
    assert code == CHANGES_FOUND and reported["urn"] == urn
    assert prop in [p["path"] for p in reported["properties"]]


def test_a_clean_refresh_writes_a_log_the_drift_command_reports_clean(stack):
    assert stack.runner().up().exit_code == SUCCESS
    refreshed = stack.runner().refresh_preview()
    out = io.StringIO()
    code = drift_cli.main(
        ["--from-event-log", f"dev={refreshed.event_log}", "--format", "json", "--quiet"], stdout=out
    )
    assert refreshed.exit_code == code == SUCCESS
    assert json.loads(out.getvalue())["stacks"][0]["changeSummary"] == {"same": 6}


def test_preview_with_refresh_shows_the_remediation_without_sending_it(stack):
    assert stack.runner().up().exit_code == SUCCESS
    stack.portal("remove-role")
    recorded = stack.state_file.path.read_bytes()
    stack.target.clear_requests()
    result = stack.runner().preview(refresh=True)
    assert result.exit_code == SUCCESS
    # The agent's binding fingerprint reads the role's output-only `roleId`, which a preview of the role's
    # update leaves unknown (as the engine does), so the preview shows the agent as an update too.
    assert [(e.op, e.name, e.preview) for e in result.events if e.op != "same"] == [
        ("update", "omnichannel-role", True),
        ("update", "omnichannel-agent", True),
    ]
    assert writes(stack.target.requests()) == [] and stack.state_file.path.read_bytes() == recorded


def _program_without_the_binding(directory: pathlib.Path) -> pathlib.Path:
    """The real program, run with OmnichannelBinding replaced by a stand-in that declares nothing: as if its
    lines were deleted from __main__.py (the stand-in answers every output the program exports with None)."""
    directory.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        (directory / name).write_text((ROOT / name).read_text())
    (directory / "__main__.py").write_text(f"""
import runpy
import pulumi
import components.omnichannel as omnichannel


class Removed:
    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return pulumi.Output.from_input(None)


declared = omnichannel.OmnichannelBinding
omnichannel.OmnichannelBinding = Removed
try:
    runpy.run_path({str(ROOT / "__main__.py")!r}, run_name="__main__")
finally:
    omnichannel.OmnichannelBinding = declared
""")
    return directory


def test_removing_the_binding_from_the_program_is_refused_and_nothing_is_deleted(stack, tmp_path):
    assert stack.runner().up().exit_code == SUCCESS
    recorded = stack.state_file.path.read_bytes()
    before = stack.dataverse()
    stack.target.clear_requests()
    result = stack.runner(_program_without_the_binding(tmp_path / "program")).up()
    assert result.exit_code == DEPLOYMENT_FAILED and result.failure.op == "delete"
    assert result.failure.urn.startswith(f"urn:pulumi:dev::handoff::{BINDING}${DYNAMIC}")
    assert re.search(
        r"cannot be deleted\nbecause it is protected.*pulumi state unprotect",
        result.failure.message,
        re.DOTALL,
    )
    assert writes(stack.target.requests()) == []
    assert stack.dataverse() == before and stack.state_file.path.read_bytes() == recorded


def test_a_fault_mid_up_keeps_what_succeeded_and_a_rerun_converges_without_duplicates(stack):
    stack.target.inject(
        {"method": "POST", "path": "queuemembership_association", "kind": "status", "status": 403, "count": 1}
    )
    failed = stack.runner().up()
    assert failed.exit_code == DEPLOYMENT_FAILED
    assert (failed.failure.op, failed.failure.urn.rsplit("::", 1)[-1]) == ("create", "omnichannel-queue")
    recorded = {r.name for r in stack.state_file.load().resources if r.type.startswith(DYNAMIC)}
    assert {"omnichannel-user", "omnichannel-role"} <= recorded and "omnichannel-queue" not in recorded
    [user] = stack.bot_users()

    stack.target.clear_faults()
    assert stack.runner().up().exit_code == SUCCESS
    assert stack.bot_users() == [user]
    associations = stack.dataverse()["associations"]
    assert associations["queuemembership_association"].count([BOT_ESCALATIONS, user["systemuserid"]]) == 1
    assert associations["systemuserroles_association"].count([user["systemuserid"], OC_AGENT]) == 1
    assert len([r for r in stack.state_file.load().resources if r.type.startswith(DYNAMIC)]) == 6
