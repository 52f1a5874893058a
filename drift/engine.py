"""The only module that talks to the Pulumi engine: a thin adapter over the Automation API.

It runs exactly two commands, both read-only:
- `Stack.preview_refresh` = `pulumi refresh --preview-only` (reads the cloud, compares with state, writes
  nothing; never `refresh()`, which writes state, and never up/destroy);
- `Stack.preview(refresh=True)` = `pulumi preview --refresh`, only when pending changes are asked for.
Selecting a stack (`pulumi stack select`) updates the CLI's local pointer to the current stack, never a
stack's state. Every failure leaves this module as an `EngineFailure` (see `as_engine_failure`).
"""

from __future__ import annotations

import re
import subprocess
from typing import Callable, Mapping, Optional

from pulumi import automation as auto
from pulumi.automation import errors as auto_errors
from semver import VersionInfo

# Exit code 7 and the documented exit-code mapping exist from this CLI version on (docs: cli/exit-codes).
MINIMUM_CLI_VERSION = "3.226.1"

OnEvent = Callable[[auto.EngineEvent], None]


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
    # The SDK raises a plain RuntimeError("summary event never found") when the engine stopped early.
    return EngineFailure(stderr=str(error))


class AutomationEngine:
    """Runs the read-only commands against the project in `work_dir` (the folder with Pulumi.yaml)."""

    def __init__(self, work_dir: str) -> None:
        try:
            command = auto.PulumiCommand(version=VersionInfo.parse(MINIMUM_CLI_VERSION))
            self._workspace = auto.LocalWorkspace(work_dir=work_dir, pulumi_command=command)
        except (OSError, auto_errors.InvalidVersionError, subprocess.CalledProcessError) as error:
            raise as_engine_failure(error) from error

    def list_stacks(self) -> list[str]:
        try:
            return [summary.name for summary in self._workspace.list_stacks()]
        except auto_errors.CommandError as error:
            raise as_engine_failure(error) from error

    def refresh_preview(self, stack_name: str, on_event: OnEvent) -> Mapping[str, int]:
        try:
            stack = auto.Stack.select(stack_name, self._workspace)
            result = stack.preview_refresh(on_event=on_event, color="never", suppress_progress=True)
        except (auto_errors.CommandError, RuntimeError, OSError) as error:
            raise as_engine_failure(error) from error
        return _op_counts(result.change_summary)

    def pending_preview(self, stack_name: str, on_event: OnEvent) -> Mapping[str, int]:
        try:
            stack = auto.Stack.select(stack_name, self._workspace)
            result = stack.preview(refresh=True, on_event=on_event, color="never", suppress_progress=True)
        except (auto_errors.CommandError, RuntimeError, OSError) as error:
            raise as_engine_failure(error) from error
        return _op_counts(result.change_summary)


def _op_counts(change_summary: Mapping) -> Mapping[str, int]:
    """The engine's SummaryEvent counts keyed by op name (the SDK keys them by OpType or str)."""
    return {str(getattr(op, "value", op)): count for op, count in change_summary.items()}
