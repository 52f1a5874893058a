"""The only module that talks to the Pulumi engine: the CLI, run through the Automation API's command runner.

It runs exactly two commands, both read-only, each writing an engine event log that drift.eventlog reads
(the same file `--from-event-log` takes, so a scan and a log give the same report):
- `pulumi refresh --preview-only --event-log FILE` (reads the cloud, compares with state, writes nothing;
  never a plain `refresh`, which writes state, and never up/destroy);
- `pulumi preview --refresh --event-log FILE`, only when pending changes are asked for.
`--expect-no-changes` is not passed: the event log's summary says whether there were changes, and the
command's exit code stays free to say whether it failed.

`PULUMI_SKIP_CONFIRMATIONS=true` in the environment would make every `refresh --preview-only` fail ("--yes
and --preview-only cannot be used together", exit 1: pkg/cmd/pulumi/operations/refresh.go sets
`yes = yes || skipPreview || env.SkipConfirmations`), so the commands run with it set to "false" (the CLI
reads only "1" and "true" as true: sdk/go/common/util/env `BoolValue.Value`). Every failure leaves this
module as an `EngineFailure` (see `as_engine_failure`).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from pulumi import automation as auto
from pulumi.automation import errors as auto_errors
from semver import VersionInfo

from drift import eventlog

# The CLI's exit-code taxonomy (exit 6 for a missing stack, 3 for a login error) exists from v3.227.0 on
# (pkg/cmd/pulumi/cmd/exit_codes.go, #22205); older CLIs exit 255 for every failure.
MINIMUM_CLI_VERSION = "3.227.0"
# Environment the commands run with (see the module docstring).
COMMAND_ENV = {"PULUMI_SKIP_CONFIRMATIONS": "false"}

OnEvent = Callable[[Mapping[str, Any]], None]


class EngineFailure(Exception):
    """A command that did not complete, with what the CLI said (classified by drift.classify)."""

    def __init__(
        self,
        exit_code: Optional[int] = None,
        stdout: str = "",
        stderr: str = "",
        stack_not_found: bool = False,
        setup_problem: str = "",
    ) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.stack_not_found = stack_not_found
        self.setup_problem = setup_problem  # the CLI is missing or too old: nothing reached a stack
        super().__init__(setup_problem or f"pulumi exited with code {exit_code}")


_COMMAND_ERROR_TEXT = re.compile(r"\A\s*code: (?P<code>-?\d+)\n stdout: (?P<rest>.*)\Z", re.DOTALL)


def as_engine_failure(error: BaseException) -> EngineFailure:
    """Translate what the Automation API raises. `CommandError` keeps the CLI's exit code and output only
    in its message text ("\\n code: N\\n stdout: ...\\n stderr: ..."; automation/_cmd.py CommandResult)."""
    if isinstance(error, EngineFailure):
        return error
    if isinstance(error, auto_errors.CommandError):
        match = _COMMAND_ERROR_TEXT.match(str(error))
        if match is None:
            return EngineFailure(
                stderr=str(error), stack_not_found=isinstance(error, auto.StackNotFoundError)
            )
        stdout, _, stderr = match.group("rest").rpartition("\n stderr: ")
        return EngineFailure(
            exit_code=int(match.group("code")),
            stdout=stdout,
            stderr=stderr,
            stack_not_found=isinstance(error, auto.StackNotFoundError),
        )
    if isinstance(error, FileNotFoundError):
        return EngineFailure(
            setup_problem="the Pulumi CLI was not found on PATH: install it "
            f"(version {MINIMUM_CLI_VERSION} or later) or add it to PATH"
        )
    if isinstance(error, auto_errors.InvalidVersionError):
        return EngineFailure(
            setup_problem=f"the Pulumi CLI is too old ({error}): drift needs "
            f"{MINIMUM_CLI_VERSION} or later for its exit codes"
        )
    if isinstance(error, subprocess.CalledProcessError):
        return EngineFailure(
            exit_code=error.returncode, setup_problem="`pulumi version` failed: check the CLI"
        )
    return EngineFailure(stderr=str(error))


class AutomationEngine:
    """Runs the read-only commands against the project in `work_dir` (the folder with Pulumi.yaml)."""

    def __init__(self, work_dir: str) -> None:
        try:
            command = auto.PulumiCommand(version=VersionInfo.parse(MINIMUM_CLI_VERSION))
            self._workspace = auto.LocalWorkspace(work_dir=work_dir, pulumi_command=command)
        except (OSError, auto_errors.InvalidVersionError, subprocess.CalledProcessError) as error:
            raise as_engine_failure(error) from error
        self._work_dir = work_dir

    def list_stacks(self) -> list[str]:
        try:
            return [summary.name for summary in self._workspace.list_stacks()]
        except auto_errors.CommandError as error:
            raise as_engine_failure(error) from error

    def refresh_preview(self, stack_name: str, on_event: OnEvent) -> None:
        self._run(["refresh", "--preview-only"], stack_name, on_event)

    def pending_preview(self, stack_name: str, on_event: OnEvent) -> None:
        self._run(["preview", "--refresh"], stack_name, on_event)

    def _run(self, command: list[str], stack_name: str, on_event: OnEvent) -> None:
        """Run one command with an event log and hand every event to `on_event`, also when it failed."""
        with tempfile.TemporaryDirectory(prefix="drift-") as folder:
            log = Path(folder) / "events.jsonl"
            args = [*command, "--event-log", str(log), "--color", "never", "--suppress-progress"]
            env = {**self._workspace.env_vars, **COMMAND_ENV}
            failure: Optional[EngineFailure] = None
            try:
                self._workspace.pulumi_command.run([*args, "--stack", stack_name], self._work_dir, env)
            except (auto_errors.CommandError, OSError) as error:
                failure = as_engine_failure(error)
            if log.exists():
                try:
                    for event in eventlog.read_events(log):
                        on_event(event)
                except eventlog.EventLogError as error:
                    failure = failure or EngineFailure(stderr=str(error))
        if failure is not None:
            raise failure
