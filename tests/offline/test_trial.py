"""The README's offline trial (`python -m offline trial`, `make offline-trial`) and the single commands
against a running emulator, end to end: each must keep working for a newcomer with no tenant and no CLI."""

from __future__ import annotations

import io
import os
import pathlib
import threading

from offline.cli import main
from offline.trial import run_trial


def _children() -> set[int]:
    pids: set[int] = set()
    for task in pathlib.Path(f"/proc/{os.getpid()}/task").iterdir():
        text = (task / "children").read_text().split()
        pids.update(int(pid) for pid in text)
    return pids


def test_the_trial_walks_through_deploy_redeploy_portal_change_and_drift_and_stops_everything():
    before, threads = _children(), set(threading.enumerate())
    out = io.StringIO()
    assert run_trial(out) == 0, out.getvalue()
    text = out.getvalue()
    # The dev stack is a Copilot Studio agent, not connected yet: up stops, the trial connects it, up binds.
    assert (
        "1. up: the agent is not connected yet" in text and "Mitigation [copilot-agent-not-connected]" in text
    )
    assert "2. portal: connect the agent in Copilot Studio" in text
    assert "3. up: first deploy" in text and " + create  omnichannel-queue " in text
    assert "4. up again: nothing changed" in text and "   no request reached the emulator" in text
    assert "removed the bot user from queue 'Bot escalations'" in text
    assert " ~ drifted omnichannel-queue" in text and "member: True => False" in text
    assert "exit code 7 (drift found)" in text and "exit code 0 (no drift)" in text
    assert "not checked offline" not in text  # an agent's stack declares no native resource
    assert "Summary" in text and "PROBLEM" not in text
    assert _children() <= before  # no provider server left behind
    assert set(threading.enumerate()) <= threads  # nor the trial's emulator thread


def test_the_single_commands_work_against_a_running_emulator(emulator, tmp_path):
    common = [
        "--stack",
        "dev",
        "--emulator",
        emulator.base_url,
        "--ca",
        emulator.ca_path,
        "--state-dir",
        str(tmp_path),
    ]
    out = io.StringIO()
    assert main(["portal", "connect-agent", *common[:-2]], stream=out) == 0
    assert "connected agent 'cr5a1_contosoHelper'" in out.getvalue()
    out = io.StringIO()
    assert main(["up", *common], stream=out) == 0, out.getvalue()
    # 8: the binding's 7 and the ApiEndpoints component (the emulator's endpoint overrides)
    assert "Resources: 8 created" in out.getvalue() and "botUserId" in out.getvalue()
    assert main(["refresh", "--preview-only", *common], stream=io.StringIO()) == 0
    out = io.StringIO()
    assert main(["portal", "remove-role", *common[:-2]], stream=out) == 0
    assert out.getvalue().strip() == "removed the 'Omnichannel agent' role from the bot user"
    out = io.StringIO()
    assert main(["refresh", "--preview-only", *common], stream=out) == 7
    assert "~ drifted omnichannel-role" in out.getvalue() and "assigned: True => False" in out.getvalue()


def test_the_azure_bot_trial_declares_the_omnichannel_channel_and_binds_the_bot():
    out = io.StringIO()
    assert run_trial(out, stack="prod") == 0, out.getvalue()
    text = out.getvalue()
    assert " + create  channel-omnichannel " in text and "omnichannelChannelResourceId" in text
    assert "1. up: first deploy" in text and " + create  omnichannel-user " in text
    assert "omnichannel-agent" not in text  # an Azure bot has no Copilot Studio agent
    assert "not checked offline (native resources are mocked" in text and "PROBLEM" not in text
