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


def test_preview_digest_counts_the_drift_it_cannot_name_and_exits_7():
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
    assert drifted["handoff-queue"]["change"] == "deleted"
    # changeSummary counts 2 updates; the digest names only the Teams channel's (the dynamic workstream
    # stays "refresh"): the other is drift all the same, reported as unnamed.
    assert "handoff-workstream" not in drifted and prod["unnamedChanges"] == 1
    assert dev["unnamedChanges"] == 0


@pytest.mark.parametrize(
    "content",
    ["{}", '{"steps": []}', "[]"],
)
def test_preview_document_that_is_not_a_digest_is_never_clean(tmp_path, content):
    document_file = tmp_path / "refresh.json"
    document_file.write_text(content, encoding="utf-8")
    code, out, _ = _run(["--from-preview-json", f"dev={document_file}", "--format", "json", "--quiet"])
    [stack] = json.loads(out)["stacks"]
    assert code == 2 and stack["status"] == "error"


def test_preview_digest_with_an_error_diagnostic_is_an_error_not_clean(tmp_path):
    document_file = tmp_path / "refresh.json"
    document_file.write_text(
        json.dumps(
            {
                "steps": [],
                "changeSummary": {},
                "diagnostics": [
                    {"message": "error: AADSTS7000215: Invalid client secret provided.", "severity": "error"}
                ],
            }
        ),
        encoding="utf-8",
    )
    code, out, _ = _run(["--from-preview-json", f"dev={document_file}", "--format", "json", "--quiet"])
    [stack] = json.loads(out)["stacks"]
    assert code == 3 and stack["status"] == "error" and stack["error"]["category"] == "authentication"


def test_event_log_gives_the_same_report_and_exit_code_as_a_scan(project, tmp_path):
    log = tmp_path / "prod.jsonl"
    log.write_text(
        "".join(json.dumps(event) + "\n" for event in stacks.drifted_stack("prod")), encoding="utf-8"
    )
    from_log, log_out, _ = _run(["--from-event-log", f"prod={log}", "--format", "json", "--quiet"])
    engine = stacks.FakeEngine({"prod": stacks.drifted_stack("prod")})
    scanned, scan_out, _ = _run(["prod", "--work-dir", str(project), "--format", "json", "--quiet"], engine)
    assert from_log == scanned == 7
    strip = lambda text: {**json.loads(text), "generatedAt": None}  # noqa: E731
    assert strip(log_out) == strip(scan_out)


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"sequence":0,"timestamp":0,"preludeEvent":{"config":{}}}\n{"sequence":', "line 2 is not JSON"),
        ("", "no summary event"),
        ('{"sequence":0,"timestamp":0,"preludeEvent":{"config":{}}}\n', "no summary event"),
        ("[1, 2]\n", "not an engine event"),
    ],
)
def test_unreadable_or_unfinished_event_log_is_an_error_never_clean(tmp_path, content, message):
    log = tmp_path / "dev.jsonl"
    log.write_text(content, encoding="utf-8")
    code, out, _ = _run(["--from-event-log", f"dev={log}", "--format", "json", "--quiet"])
    [stack] = json.loads(out)["stacks"]
    assert code in (1, 2) and stack["status"] == "error" and message in stack["error"]["message"]


def test_missing_event_log_file_is_a_configuration_error(tmp_path):
    code, out, _ = _run(
        ["--from-event-log", f"dev={tmp_path / 'absent.jsonl'}", "--format", "json", "--quiet"]
    )
    assert code == 2 and "cannot read" in json.loads(out)["stacks"][0]["error"]["message"]


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
        pending={"dev": stacks.clean_stack("dev")[-2:], "prod": stacks.clean_stack("prod")[-2:]},
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
        "unnamedChanges": 0,
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
        (["--from-event-log", "dev="], "--from-event-log expects STACK=FILE"),
        (["--all", "--from-event-log", "dev=x.jsonl"], "do not also name stacks"),
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
