"""Replays the engine's own recorded event streams (tests/drift/data/engine-events, see SOURCE.md) through
`python -m drift --from-event-log`: the exit code is the one the CLI's `--expect-no-changes` returns for the
stream, and every resource the refresh updated is reported modified with what changed, or deleted."""

from __future__ import annotations

import io
import json
import pathlib
import subprocess
import sys

import pytest

from drift import cli

DATA = pathlib.Path(__file__).parent / "data" / "engine-events"
STREAMS = sorted(DATA.glob("*.jsonl"))
ROOT = pathlib.Path(__file__).resolve().parents[2]

# What `pulumi refresh [--preview-only] --expect-no-changes` exits with for each stream: 7 when the summary
# counts an op other than same/read/discard/read-replacement (pkg/engine/update.go HasChanges, v3.259).
# Read off each file's summaryEvent.resourceChanges, noted beside it.
CLI_EXIT_CODES = {
    "TestExternalRefreshDoesNotCallDiff__1-0-0-preview.jsonl": 7,  # delete 1
    "TestExternalRefreshDoesNotCallDiff__1-0-0.jsonl": 7,  # delete 1
    "TestRefreshBasics__0-0-0-preview.jsonl": 7,  # same 2, update 1
    "TestRefreshBasics__0-0-0.jsonl": 7,  # same 2, update 1
    "TestRefreshBasics__3-0-0-preview.jsonl": 7,  # delete 2
    "TestRefreshBasics__3-0-0.jsonl": 7,  # delete 2
    "TestRefreshBasics__4-0-0-preview.jsonl": 7,  # delete 2
    "TestRefreshBasics__4-0-0.jsonl": 7,  # delete 2
    "TestRefreshBasics__5-0-0-preview.jsonl": 7,  # delete 2
    "TestRefreshBasics__5-0-0.jsonl": 7,  # delete 2
    "TestRefreshBasics__6-0-0-preview.jsonl": 7,  # delete 2
    "TestRefreshBasics__6-0-0.jsonl": 7,  # delete 2
    "TestRefreshBasics__all-0-0-preview.jsonl": 7,  # delete 2, same 3, update 1
    "TestRefreshBasics__all-0-0.jsonl": 7,  # delete 2, same 3, update 1
    "TestRefreshPreservesInputsWhenReadReturnsNoInputs__-1-0-preview.jsonl": 7,  # update 1
    "TestRefreshPreservesInputsWhenReadReturnsNoInputs__-1-0.jsonl": 7,  # update 1
    "TestViewsRefreshUpdate__-0-1-preview.jsonl": 7,  # same 1, update 1
    "TestViewsRefreshUpdate__-0-1.jsonl": 7,  # same 1, update 1
}


def _report(path: pathlib.Path) -> tuple[int, dict]:
    out = io.StringIO()
    code = cli.main(["--from-event-log", f"s={path}", "--format", "json", "--quiet"], stdout=out)
    return code, json.loads(out.getvalue())["stacks"][0]


def _result_events(path: pathlib.Path) -> list[dict]:
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [e["resOutputsEvent"]["metadata"] for e in events if "resOutputsEvent" in e]


def test_every_recorded_stream_has_its_expected_cli_exit_code():
    assert sorted(CLI_EXIT_CODES) == [path.name for path in STREAMS]


@pytest.mark.parametrize("path", STREAMS, ids=[path.name for path in STREAMS])
def test_exit_code_is_what_the_cli_expect_no_changes_returns(path):
    code, stack = _report(path)
    assert code == CLI_EXIT_CODES[path.name] and stack["exitCode"] == code
    assert stack["error"] is None and stack["unnamedChanges"] == 0


@pytest.mark.parametrize("path", STREAMS, ids=[path.name for path in STREAMS])
def test_every_updated_resource_is_modified_with_a_property_and_every_deleted_one_deleted(path):
    _, stack = _report(path)
    expected = [
        (m["urn"], {"update": "modified", "delete": "deleted"}[m["op"]])
        for m in _result_events(path)
        if m["op"] in ("update", "delete")
    ]
    assert sorted((r["urn"], r["change"]) for r in stack["drift"]) == sorted(expected)
    for resource in stack["drift"]:
        assert bool(resource["properties"]) == (resource["change"] == "modified"), resource


@pytest.mark.parametrize("step", ["-preview", ""])
def test_update_without_detailed_diff_reports_the_output_that_changed(step):
    # Read returned no inputs, so the recorded inputs stay and only the outputs differ (detailedDiff null).
    _, stack = _report(DATA / f"TestRefreshPreservesInputsWhenReadReturnsNoInputs__-1-0{step}.jsonl")
    [resource] = stack["drift"]
    assert resource["properties"] == [
        {
            "path": "inputProp",
            "kind": "update",
            "inputDiff": False,
            "before": "updatedInputValue",
            "after": "newInputValue",
        }
    ]


def test_update_without_detailed_diff_reports_the_changed_input():
    _, stack = _report(DATA / "TestViewsRefreshUpdate__-0-1-preview.jsonl")
    [resource] = stack["drift"]
    assert resource["name"] == "resA-child"
    assert resource["properties"] == [
        {"path": "input", "kind": "update", "inputDiff": True, "before": "bar", "after": "baz"}
    ]


def test_detailed_diff_is_used_when_the_provider_gave_one():
    _, stack = _report(DATA / "TestRefreshBasics__0-0-0-preview.jsonl")
    [resource] = stack["drift"]
    assert resource["properties"] == [{"path": "oof", "kind": "add", "inputDiff": True, "after": "zab"}]


def test_python_m_drift_over_every_stream_at_once_exits_7():
    args = [arg for path in STREAMS for arg in ("--from-event-log", f"{path.stem}={path}")]
    completed = subprocess.run(
        [sys.executable, "-m", "drift", *args, "--format", "json", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 7, completed.stderr
    document = json.loads(completed.stdout)
    assert document["summary"]["drifted"] == len(STREAMS)
