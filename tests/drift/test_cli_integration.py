"""The drift command against a real local-backend stack, when the Pulumi CLI is on PATH.

Skipped otherwise (the CLI is a separate binary that CI machines here cannot install). Uses a Pulumi YAML
project with no resources so no provider plugin has to be downloaded: it proves the engine adapter, stack
selection, event collection and exit codes end to end, not drift in a real cloud.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.cli,
    pytest.mark.skipif(shutil.which("pulumi") is None, reason="the Pulumi CLI is not on PATH"),
]


@pytest.fixture
def local_stack(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: drift-it\nruntime: yaml\noutputs:\n  greeting: hello\n", encoding="utf-8"
    )
    env = {
        **os.environ,
        "PULUMI_BACKEND_URL": (tmp_path / "state").as_uri(),
        # a throwaway passphrase for a throwaway local stack, not a credential
        "PULUMI_CONFIG_PASSPHRASE": "drift-integration-test",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    (tmp_path / "state").mkdir()
    for command in (["stack", "init", "it"], ["up", "--yes", "--stack", "it"]):
        subprocess.run(
            ["pulumi", "--non-interactive", *command],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return project, env


def _drift(project, env, *args):
    return subprocess.run(
        [sys.executable, "-m", "drift", *args, "--work-dir", str(project), "--format", "json", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_clean_local_stack_exits_0(local_stack):
    project, env = local_stack
    completed = _drift(project, env, "it")
    assert completed.returncode == 0, completed.stderr
    [stack] = json.loads(completed.stdout)["stacks"]
    assert stack["status"] == "clean" and stack["drift"] == []


def test_stack_missing_from_the_local_backend_exits_6(local_stack):
    project, env = local_stack
    completed = _drift(project, env, "missing")
    assert completed.returncode == 6, completed.stderr
    [stack] = json.loads(completed.stdout)["stacks"]
    assert stack["error"]["category"] == "stack-not-found"


def test_skip_confirmations_in_the_environment_does_not_break_a_scan(local_stack):
    # The CLI turns PULUMI_SKIP_CONFIRMATIONS=true into --yes, which --preview-only refuses (v3.259).
    project, env = local_stack
    completed = _drift(project, {**env, "PULUMI_SKIP_CONFIRMATIONS": "true"}, "it")
    assert completed.returncode == 0, completed.stderr


def test_an_event_log_the_cli_wrote_gives_the_scan_s_exit_code(local_stack, tmp_path):
    project, env = local_stack
    log = tmp_path / "it.jsonl"
    subprocess.run(
        [
            "pulumi",
            "--non-interactive",
            "refresh",
            "--preview-only",
            "--event-log",
            str(log),
            "--stack",
            "it",
        ],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    completed = _drift(project, env, "--from-event-log", f"it={log}")
    assert completed.returncode == _drift(project, env, "it").returncode == 0, completed.stderr
