"""Run the real program for a stack offline as the engine would: `up`, `preview`, `refresh --preview-only`.

What it simulates of the engine:
- the stack configuration (`Pulumi.yaml` schema and defaults + `Pulumi.<stack>.yaml` + overrides), passed
  to the program and, whole and namespaced, to the dynamic provider server's Configure; recorded in state
  at each `up`, and used for `refresh --preview-only` as the engine uses the provider inputs in state;
- every dynamic resource (`pulumi-python:dynamic/*`) through the SDK's real provider server
  (`python -m pulumi.dynamic` over gRPC): Check, Diff, Create, Update, Delete and, for refresh, Read;
  DIFF_UNKNOWN decided on inputs as the engine does; secrets sent in plaintext and re-marked on outputs;
- `protect`: a protected resource is never replaced or deleted; the run stops with the engine's message;
- state: one JSON file per stack, checkpointed after each successful step, never written by a failed step,
  by a preview or by `refresh --preview-only`; secrets in it sealed (offline/secret_box.py);
- `refresh --preview-only` writes the engine's event log (`--event-log FILE`, dynamic resources only) and
  reports it with the drift command's code, so with its exit codes (`python -m drift --help`): 0 clean,
  7 drift (what the CLI's `--expect-no-changes` returns), a failed read 3 when it is about credentials,
  else 1 (the CLI exits 1 for both); 2 a configuration problem (the CLI exits 1 for bad stack config);
- exit codes of `up` and `preview`, the offline runner's own: 0 success, 1 the program failed,
  2 configuration, 4 a resource step failed or was refused. The Pulumi CLI (v3.227.0 to v3.259) exits 1 for
  the last two as well: its 2 is only a missing `--yes`, its 4 is declared but not wired.

What only the real engine does: the native providers (azuread, azure-native: their resources get
deterministic mock outputs matching the emulator's native seed, and their drift is not checked), replace
ordering (the old resource of a create-before-delete replacement is deleted at once, not at the end),
parallel steps (offline they run one at a time), the real refresh that rewrites state, `ignore_changes`,
`replace_on_changes`, imports and aliases (refused or ignored), policy packs, the secrets provider
(passphrase or KMS) and the state backend with its history and locking.
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any, Callable, Mapping, Optional

from .engine import Deployment
from .program import ROOT, ProgramError, StackConfigError, load_project, load_stack_config, run_program
from .provider_server import ProviderServer
from .refresh import Drift, RefreshReport, refresh_preview, refreshed_state
from .servers import ProviderServers
from .state import ResourceState, StateFile, StateFileError
from .steps import StepError, StepEvent

SUCCESS, PROGRAM_FAILED, CONFIGURATION, DEPLOYMENT_FAILED, CHANGES_FOUND = 0, 1, 2, 4, 7


@dataclasses.dataclass(frozen=True)
class Failure:
    kind: str  # "configuration", "program" or "step"
    message: str
    urn: str = ""
    op: str = ""

    @property
    def exit_code(self) -> int:
        return {"configuration": CONFIGURATION, "program": PROGRAM_FAILED}.get(self.kind, DEPLOYMENT_FAILED)


@dataclasses.dataclass(frozen=True)
class RunResult:
    operation: str  # "up" or "preview"
    events: tuple[StepEvent, ...] = ()
    outputs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    secret_outputs: frozenset[str] = frozenset()
    failure: Optional[Failure] = None

    @property
    def exit_code(self) -> int:
        return self.failure.exit_code if self.failure else SUCCESS

    def count(self, op: str) -> int:
        return sum(1 for e in self.events if e.op == op)


@dataclasses.dataclass(frozen=True)
class RefreshResult:
    report: Optional[RefreshReport] = None
    event_log: Optional[pathlib.Path] = None
    failure: Optional[Failure] = None

    @property
    def exit_code(self) -> int:
        """The failure's code, else the drift command's for the event log (0 clean, 7 drift)."""
        if self.report is not None and self.report.result is not None:
            return self.report.result.exit_code  # a failed read is an error of the log, as drift reports it
        if self.failure:
            return self.failure.exit_code
        return SUCCESS if self.report is None or self.report.clean else CHANGES_FOUND


class OfflineRunner:
    """One stack of one project, its state directory, and where its dynamic providers point."""

    def __init__(
        self,
        stack: str,
        *,
        state_dir: pathlib.Path,
        project_dir: pathlib.Path = ROOT,
        overrides: Optional[Mapping[str, Any]] = None,
        provider_env: Optional[Mapping[str, str]] = None,
        servers: Optional[ProviderServers] = None,
        on_step: Callable[[StepEvent], None] = lambda event: None,
        on_refresh: Callable[[ResourceState, Optional[Drift]], None] = lambda r, d: None,
    ) -> None:
        self.stack, self.project_dir = stack, pathlib.Path(project_dir)
        self.project = load_project(self.project_dir)["name"]
        self.overrides = dict(overrides or {})
        self.provider_env = dict(provider_env or {})
        self.state_file = StateFile(pathlib.Path(state_dir), self.project, stack)
        self._servers, self._own_servers = servers, servers is None
        self.on_step, self.on_refresh = on_step, on_refresh

    # --- operations --------------------------------------------------------------------------------
    def up(self, refresh: bool = False) -> RunResult:
        """`refresh=True` is `pulumi up --refresh`: read the live state first, so drift is remediated."""
        return self._deploy(preview=False, refresh=refresh)

    def preview(self, refresh: bool = False) -> RunResult:
        return self._deploy(preview=True, refresh=refresh)

    def refresh_preview(self, event_log: Optional[pathlib.Path] = None) -> RefreshResult:
        """`pulumi refresh --preview-only --event-log FILE`: the log goes to `event_log`, by default
        `<state-dir>/<stack>-refresh-events.jsonl`; the report is the drift command's for that log."""
        log = event_log or self.event_log_path
        try:
            config = self.config()
            state = self.state_file.load()
        except (StackConfigError, StateFileError) as exc:
            return RefreshResult(failure=Failure("configuration", str(exc)))
        # As the engine: a refresh configures the provider from what state recorded at the last `up`, not
        # from the current stack file (a state written before this was recorded falls back to the file).
        recorded_config = dict(state.provider_config) or config
        try:
            report = refresh_preview(state, self._server_for(recorded_config), self.on_refresh, log)
        finally:
            self._close()
        error = report.error
        failure = None if error is None else Failure("step", error.message, error.urn, error.op)
        return RefreshResult(report, log, failure)

    @property
    def event_log_path(self) -> pathlib.Path:
        return self.state_file.directory / f"{self.stack}-refresh-events.jsonl"

    def config(self) -> dict[str, str]:
        """The namespaced string config the engine would pass (stack file + overrides)."""
        return load_stack_config(self.project_dir, self.stack, self.overrides)

    # --- internals ---------------------------------------------------------------------------------
    def _deploy(self, preview: bool, refresh: bool) -> RunResult:
        operation = "preview" if preview else "up"
        try:
            config = self.config()
            prior = self.state_file.load()
        except (StackConfigError, StateFileError) as exc:
            return RunResult(operation, failure=Failure("configuration", str(exc)))
        if refresh:
            try:
                prior = refreshed_state(prior, self._server_for(config), self.on_refresh)
            except StepError as exc:
                self._close()
                return RunResult(operation, failure=Failure("step", exc.message, exc.urn, exc.op))
        deployment = Deployment(
            project=self.project,
            stack=self.stack,
            config=config,
            prior=prior,
            server=self._server_for(config),
            preview=preview,
            state_file=self.state_file,
            on_step=self.on_step,
        )
        try:
            run = run_program(
                self.project_dir,
                self.stack,
                config=config,
                preview=preview,
                mock=deployment.mocks,
                monitor_factory=deployment.monitor,
            )
            deployment.delete_unregistered()
        except (ProgramError, StepError) as exc:
            return RunResult(operation, tuple(deployment.events), failure=self._failure(deployment, exc))
        finally:
            self._close()
        if not preview:
            self.state_file.save(deployment.final_state(dict(run.outputs), run.secret_outputs, dict(config)))
        return RunResult(operation, tuple(deployment.events), dict(run.outputs), run.secret_outputs)

    @staticmethod
    def _failure(deployment: Deployment, exc: Exception) -> Failure:
        step = deployment.failure
        if step is not None:
            return Failure("step", step.message, step.urn, step.op)
        error = exc.error if isinstance(exc, ProgramError) else exc
        return Failure("program", f"{type(error).__name__}: {error}")

    def _server_for(self, config: Mapping[str, str]) -> Callable[[], ProviderServer]:
        """Start (or reuse) the provider server only when a dynamic resource needs it."""

        def server() -> ProviderServer:
            if self._servers is None:
                self._servers = ProviderServers(ROOT)
            return self._servers.get(self.project, config, self.provider_env)

        return server

    def _close(self) -> None:
        if self._own_servers and self._servers is not None:
            self._servers.close()
            self._servers = None
