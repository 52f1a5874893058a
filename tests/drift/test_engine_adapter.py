"""The engine adapter (drift/engine.py) without the CLI: which command it runs, with which environment, and
that the event log the CLI writes is what the scan reads, also when the command failed."""

from __future__ import annotations

import json
import pathlib

import pytest

from drift import scan
from drift.engine import AutomationEngine, EngineFailure
from drift.model import StackStatus
from tests.drift import engine_shapes as shapes
from tests.drift import stacks


class _Command:
    """Stands for the Automation API's PulumiCommand: records the call, writes the prepared event log to
    the `--event-log` path, then raises the prepared error (if any)."""

    def __init__(self, events: list[dict], error: BaseException | None = None) -> None:
        self.events, self.error, self.calls = events, error, []

    def run(self, args, cwd, additional_env, on_output=None, on_error=None):
        self.calls.append((list(args), cwd, dict(additional_env)))
        log = pathlib.Path(args[args.index("--event-log") + 1])
        log.write_text("".join(json.dumps(e) + "\n" for e in self.events), encoding="utf-8")
        if self.error is not None:
            raise self.error


class _Workspace:
    def __init__(self, command: _Command) -> None:
        self.pulumi_command, self.env_vars = command, {"PULUMI_SKIP_CONFIRMATIONS": "true"}


def _engine(command: _Command) -> AutomationEngine:
    engine = AutomationEngine.__new__(AutomationEngine)  # no CLI here: skip the version check
    engine._workspace, engine._work_dir = _Workspace(command), "/project"
    return engine


def test_scan_runs_refresh_preview_only_with_an_event_log_and_confirmations_not_skipped():
    command = _Command(stacks.drifted_stack("prod"))
    result = scan.scan_stack(_engine(command), "prod")
    [(args, cwd, env)] = command.calls
    assert args[:2] == ["refresh", "--preview-only"] and "--event-log" in args
    assert args[-2:] == ["--stack", "prod"] and cwd == "/project"
    assert "--yes" not in args and "--expect-no-changes" not in args
    assert env["PULUMI_SKIP_CONFIRMATIONS"] == "false"  # "true" would make --preview-only fail
    assert result.status is StackStatus.DRIFT and len(result.drift) == 4


def test_pending_changes_run_preview_with_refresh():
    command = _Command(stacks.clean_stack("prod"))
    scan.scan_stack(_engine(command), "prod", include_pending=True)
    assert [call[0][:2] for call in command.calls] == [
        ["refresh", "--preview-only"],
        ["preview", "--refresh"],
    ]


def test_a_failed_command_is_classified_with_the_errors_its_event_log_holds():
    events = [
        shapes.diagnostic_event(0, "error", "AADSTS700016: Application not found in the directory"),
        shapes.summary_event(0, {}, result="failed"),
    ]
    command = _Command(events, shapes.command_error(1, "error: refresh failed\n"))
    result = scan.scan_stack(_engine(command), "prod")
    assert result.status is StackStatus.ERROR and result.exit_code == 3
    assert result.failure.pulumi_exit_code == 1


def test_an_unreadable_event_log_fails_the_command_even_when_the_cli_exited_0():
    class Garbled(_Command):
        def run(self, args, cwd, additional_env, on_output=None, on_error=None):
            pathlib.Path(args[args.index("--event-log") + 1]).write_text("{oops\n", encoding="utf-8")

    with pytest.raises(EngineFailure) as raised:
        _engine(Garbled([])).refresh_preview("prod", lambda event: None)
    assert "is not JSON" in raised.value.stderr
