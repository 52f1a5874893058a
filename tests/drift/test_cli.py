"""The `python -m drift` command: arguments, outputs, exit codes, and the report schema."""

from __future__ import annotations

import io
import json
import pathlib
import re
import subprocess
import sys

import jsonschema
import pytest

from drift import cli
from drift.engine import EngineFailure, as_engine_failure
from tests.drift import stacks

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(__file__).parent / "fixtures"
SCHEMA = json.loads((ROOT / "docs" / "drift-report.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def project(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: handoff\nruntime: python\n", encoding="utf-8")
    return tmp_path


def _run(argv, engine: stacks.FakeEngine | None = None, factory=None):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = cli.main(argv, engine_factory=factory or (lambda work_dir: engine), stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def _python_m_drift(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "drift", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_documents_the_exit_codes():
    completed = _python_m_drift("--help")
    assert completed.returncode == 0
    for line in ("3  authentication", "6  a requested stack does not exist", "7  drift found", "0  no drift"):
        assert line in completed.stdout


def test_report_from_cli_json_documents_needs_no_engine_and_exits_7_on_drift():
    completed = _python_m_drift(
        "--from-preview-json",
        f"dev={FIXTURES / 'refresh-preview-clean.json'}",
        "--from-preview-json",
        f"prod={FIXTURES / 'refresh-preview-drift.json'}",
        "--format",
        "json",
        "--quiet",
    )
    assert completed.returncode == 7, completed.stderr
    document = json.loads(completed.stdout)
    jsonschema.validate(document, SCHEMA)
    dev, prod = document["stacks"]
    assert (dev["status"], prod["status"]) == ("clean", "drift")
    drifted = {r["name"]: r for r in prod["drift"]}
    assert drifted["handoff-teams"]["properties"] == [
        {
            "path": "properties.properties.isEnabled",
            "kind": "update",
            "inputDiff": True,
            "before": True,
            "after": False,
        }
    ]
    assert drifted["handoff-workstream"]["properties"] == [
        {
            "path": "workstream",
            "kind": "update",
            "inputDiff": True,
            "before": "Contoso chat",
            "after": "Contoso support",
        }
    ]
    assert drifted["handoff-queue"]["change"] == "deleted"
    assert prod["ignored"] == [
        {
            "urn": drifted["handoff-workstream"]["urn"],
            "path": "__provider",
            "reason": "dynamic-provider-state",
        }
    ]
    assert "handoff-app" not in drifted  # a step still saying "refresh" did not drift


def test_markdown_goes_to_stdout_and_is_appended_to_the_summary_file(project):
    summary = project / "summary.md"
    summary.write_text("previous step\n", encoding="utf-8")
    engine = stacks.FakeEngine({"dev": stacks.clean_stack("dev"), "prod": stacks.drifted_stack("prod")})
    code, out, err = _run(["dev", "prod", "--work-dir", str(project), "--summary-file", str(summary)], engine)
    assert code == 7
    assert "## Drift report" in out and "changes found in 1 of 2 stack(s)" in out
    assert "`properties.properties.isEnabled`" in out and "| update | `true` | `false` |" in out
    assert summary.read_text(encoding="utf-8").startswith("previous step\n## Drift report")
    assert "drift: prod: drift (exit code 7)" in err


def test_json_report_written_to_a_file_validates_against_the_schema(project):
    target = project / "out" / "drift.json"
    engine = stacks.FakeEngine(
        {
            "dev": stacks.clean_stack("dev"),
            "prod": stacks.drifted_stack("prod"),
            "qa": stacks.not_found("qa"),
            "ops": stacks.auth_failure(),
        },
        pending={"dev": stacks.clean_stack("dev")[-1:], "prod": stacks.clean_stack("prod")[-1:]},
    )
    code, out, _ = _run(
        [
            "dev",
            "prod",
            "qa",
            "ops",
            "--work-dir",
            str(project),
            "--format",
            "json",
            "--output",
            str(target),
            "--include-pending-changes",
            "--quiet",
        ],
        engine,
    )
    assert out == "" and code == 3
    document = json.loads(target.read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA)
    assert document["summary"] == {
        "stacks": 4,
        "clean": 1,
        "drifted": 1,
        "failed": 2,
        "driftedResources": 4,
        "pendingChanges": 0,
    }
    errors = {s["name"]: s["error"]["category"] for s in document["stacks"] if s["error"]}
    assert errors == {"qa": "stack-not-found", "ops": "authentication"}


def test_all_scans_every_stack_the_backend_lists(project):
    engine = stacks.FakeEngine({"dev": stacks.clean_stack("dev"), "prod": stacks.clean_stack("prod")})
    code, out, _ = _run(["--all", "--work-dir", str(project), "--quiet"], engine)
    assert code == 0 and [c[1] for c in engine.calls] == ["dev", "prod"]
    assert "no drift in 2 stack(s)" in out


def test_missing_cli_fails_every_requested_stack_with_a_configuration_error(project):
    def no_cli(work_dir):
        raise EngineFailure(setup_problem="the Pulumi CLI was not found on PATH")

    code, out, _ = _run(
        ["dev", "prod", "--work-dir", str(project), "--format", "json", "--quiet"], factory=no_cli
    )
    assert code == 2
    document = json.loads(out)
    assert [s["error"]["category"] for s in document["stacks"]] == ["configuration", "configuration"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["dev", "--all"], "not both"),
        ([], "name at least one stack"),
        (["dev", "--parallel", "0"], "--parallel must be between 1 and 16"),
        (["--from-preview-json", "nofile"], "expects STACK=FILE"),
        (["dev", "--from-preview-json", "dev=x.json"], "do not also name stacks"),
    ],
)
def test_usage_errors_exit_2_and_say_what_to_fix(project, argv, message):
    code, out, err = _run([*argv, "--work-dir", str(project)], stacks.FakeEngine({}))
    assert code == 2 and out == "" and message in err


def test_work_dir_without_a_project_is_a_usage_error(tmp_path):
    code, _, err = _run(["dev", "--work-dir", str(tmp_path)], stacks.FakeEngine({}))
    assert code == 2 and "has no Pulumi.yaml" in err


def test_unreadable_preview_document_is_a_configuration_error_for_that_stack(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, out, _ = _run(["--from-preview-json", f"dev={broken}", "--format", "json", "--quiet"])
    document = json.loads(out)
    assert code == 2 and document["stacks"][0]["error"]["category"] == "configuration"
    assert "is not JSON" in document["stacks"][0]["error"]["message"]


def test_all_with_a_backend_that_refuses_the_login_exits_3(project):
    class NoLogin(stacks.FakeEngine):
        def list_stacks(self):
            raise as_engine_failure(stacks.auth_failure())

    code, out, _ = _run(["--all", "--work-dir", str(project), "--format", "json", "--quiet"], NoLogin({}))
    assert code == 3
    [stack] = json.loads(out)["stacks"]
    assert stack["name"] == "(all stacks)" and stack["error"]["category"] == "authentication"


def test_schema_is_valid_and_the_documented_example_follows_it():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    example = re.search(r"```json\n(.*?)```", (ROOT / "docs" / "ci.md").read_text(encoding="utf-8"), re.S)
    jsonschema.validate(json.loads(example.group(1)), SCHEMA)
