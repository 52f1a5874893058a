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
    assert "1. up: first deploy" in text and " + create  omnichannel-queue " in text
    assert "2. up again: nothing changed" in text and "   no request reached the emulator" in text
    assert "removed the bot user from queue 'Bot escalations'" in text
    assert " ~ drifted omnichannel-queue" in text and "member: True => False" in text
    assert "exit code 7 (drift found)" in text and "exit code 0 (no drift)" in text
    assert "not checked offline (native resources are mocked" in text
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
    assert main(["up", *common], stream=out) == 0, out.getvalue()
    # 17: the binding, identity and channel resources, and the ApiEndpoints component (the emulator overrides)
    assert "Resources: 17 created" in out.getvalue() and "botUserId" in out.getvalue()
    assert main(["refresh", "--preview-only", *common], stream=io.StringIO()) == 0
    out = io.StringIO()
    assert main(["portal", "disable-bot-user", *common[:-2]], stream=out) == 0
    assert out.getvalue().strip() == "disabled the bot user"
    out = io.StringIO()
    assert main(["refresh", "--preview-only", *common], stream=out) == 7
    assert "~ drifted omnichannel-user" in out.getvalue() and "enabled: True => False" in out.getvalue()
