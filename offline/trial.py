"""The offline trial: the whole program against a freshly seeded emulator, in about ten seconds.

Starts the emulator on loopback (default fixture + the native seed + the portal administrator), then walks a
committed stack through: `up` (first deploy), `up` again (nothing changed: no request reaches the emulator),
a portal-like change, `refresh --preview-only` (writes the engine's event log and reports the drift from it
with the drift command's code, exit 7), `up --refresh` (remediates) and a final clean refresh. A Copilot
Studio agent's stack starts with the agent not connected, as a new environment is: the first `up` stops with
`copilot-agent-not-connected` and the click path before writing anything, the trial then makes Copilot
Studio's Connect (portal-like, as the emulator models it) and `up` binds the agent. Prints each resource step,
the drift report and a summary table; stops everything it started (emulator thread, provider server process)
and removes its temporary state unless `state_dir` is given.
"""

from __future__ import annotations

import contextlib
import dataclasses
import pathlib
import tempfile
import time
from typing import Iterator, Optional, TextIO

from emulator import Emulator

from . import report
from .emulator import EmulatorTarget, writes
from .portal import CHANGES, PORTAL_ADMIN_APP, Binding, PortalError, apply_change, changes_for
from .program import ROOT, DeterministicMocks
from .runner import CHANGES_FOUND, SUCCESS, OfflineRunner, RefreshResult, RunResult
from .servers import ProviderServers

LIMITS = (
    "native providers (Entra app, Azure Bot, Omnichannel and Teams channels) are mocked: their outputs are "
    "the ids of the emulator's native seed and their drift is not checked",
    "Copilot Studio's Connect is the emulator's model of it (emulator/README.md): what a real Connect "
    'writes is settled on a tenant (docs/binding.md, "What only a tenant can settle")',
    "steps run one at a time; the engine runs independent steps in parallel and deletes replaced "
    "resources at the end",
    "the real `pulumi refresh` rewrites state; offline only `refresh --preview-only` exists, and its event "
    "log holds only the dynamic resources (the engine's also has the native ones, components and the stack)",
    "no policy packs, no secrets provider (state secrets are sealed with a local key), no backend history",
)


@dataclasses.dataclass
class _Row:
    step: str
    outcome: str
    resources: str
    requests: int
    writes: int


class Trial:
    def __init__(
        self, stream: TextIO, stack: str, change: str, remediate: bool, keeps_state: bool = False
    ) -> None:
        self.out, self.stack, self.change, self.remediate = stream, stack, change, remediate
        self.keeps_state = keeps_state  # a temporary state directory (and its event logs) goes at the end
        self.rows: list[_Row] = []
        self.problems: list[str] = []

    def say(self, *lines: str) -> None:
        report.emit(self.out, lines)

    def run(self, target: EmulatorTarget, runner: OfflineRunner) -> int:
        steps = iter(range(1, 20))
        if self._binding(runner).is_copilot_agent:
            self._up(
                target,
                runner,
                f"{next(steps)}. up: the agent is not connected yet",
                expect_writes=False,
                expect_failure="copilot-agent-not-connected",
            )
            self._portal(target, runner, "connect-agent", next(steps))
        self._up(target, runner, f"{next(steps)}. up: first deploy", expect_writes=True)
        self._up(target, runner, f"{next(steps)}. up again: nothing changed", expect_writes=False)
        self._portal(target, runner, self.change, next(steps))
        self._refresh(
            target, runner, f"{next(steps)}. refresh --preview-only: detect the change", expect=CHANGES_FOUND
        )
        if self.remediate and CHANGES[self.change].remediable:
            self._up(
                target,
                runner,
                f"{next(steps)}. up --refresh: put the binding back",
                expect_writes=True,
                refresh=True,
            )
            self._refresh(
                target, runner, f"{next(steps)}. refresh --preview-only: clean again", expect=SUCCESS
            )
        return SUCCESS if not self.problems else 1

    def _binding(self, runner: OfflineRunner) -> Binding:
        bot_app_id = DeterministicMocks(self.stack, runner.config(), runner.project).bot_app_client_id
        return Binding.from_config(runner.config(), bot_app_id)

    # --- the steps ---------------------------------------------------------------------------------------
    def _up(
        self,
        target: EmulatorTarget,
        runner: OfflineRunner,
        title: str,
        expect_writes: bool,
        refresh: bool = False,
        expect_failure: str = "",
    ) -> RunResult:
        self.say("", title)
        target.clear_requests()
        result = runner.up(refresh=refresh)
        log = target.requests()
        if result.failure:
            self.say(*report.failure_lines(result.failure))
            if not expect_failure or f"[{expect_failure}]" not in str(result.failure):
                self.problems.append(f"{title}: failed")
        elif expect_failure:
            self.problems.append(f"{title}: succeeded, expected {expect_failure}")
        sent = writes(log)
        self.say(f"   {report.counts(result)}; emulator requests: {len(log)}, writes: {len(sent)}")
        if not expect_writes:
            verdict = (
                "no request reached the emulator"
                if not log
                else "no write reached the emulator"
                if not sent
                else "WRITES SENT ON A REDEPLOY WITHOUT CHANGES"
            )
            self.say(f"   {verdict}")
            if sent:
                self.problems.append(f"{title}: {len(sent)} writes")
        if "first deploy" in title and not result.failure:
            self.say("   outputs:", *report.output_lines(result.outputs, result.secret_outputs))
        self.rows.append(
            _Row(
                title.split(":")[0],
                "ok"
                if not result.failure
                else f"exit {result.exit_code} (expected)"
                if expect_failure
                else f"exit {result.exit_code}",
                report.counts(result),
                len(log),
                len(sent),
            )
        )
        return result

    def _portal(self, target: EmulatorTarget, runner: OfflineRunner, name: str, number: int) -> None:
        binding = self._binding(runner)
        if name in CHANGES and name not in changes_for(binding.bot_provider):
            self.problems.append(
                f"{name} cannot be made on this stack's kind of bot; one of: "
                f"{', '.join(changes_for(binding.bot_provider))}"
            )
            return
        summary = CHANGES[name].summary if name in CHANGES else "connect the agent in Copilot Studio"
        title = f"{number}. portal: {summary} (as handoff-portal-admin)"
        self.say("", title)
        target.clear_requests()
        try:
            done, outcome = apply_change(name, target, binding), "ok"
        except PortalError as exc:
            done, outcome = f"error: {exc}", "failed"
            self.problems.append(f"{title}: {exc}")
        log = target.requests()
        self.say(f"   {done}")
        admin_writes = writes(log, caller=PORTAL_ADMIN_APP)
        self.rows.append(_Row(f"{number}. portal", outcome, name, len(log), len(admin_writes)))

    def _refresh(
        self, target: EmulatorTarget, runner: OfflineRunner, title: str, expect: int
    ) -> RefreshResult:
        self.say("", title)
        target.clear_requests()
        result = runner.refresh_preview()
        log = target.requests()
        if result.failure:
            self.say(*report.failure_lines(result.failure))
        elif result.report is not None:
            self.say(*report.drift_lines(result.report))
        self.say(*report.event_log_lines(self.stack, result.event_log))
        if not self.keeps_state:
            self.say("   (the trial removes it at the end; keep it with --state-dir DIR)")
        meaning = {SUCCESS: "no drift", CHANGES_FOUND: "drift found"}.get(result.exit_code, "error")
        self.say(
            f"   exit code {result.exit_code} ({meaning}); emulator requests: {len(log)}, "
            f"writes: {len(writes(log))}"
        )
        if result.exit_code != expect:
            self.problems.append(f"{title}: exit {result.exit_code}, expected {expect}")
        drifted = len(result.report.drifts) if result.report else 0
        self.rows.append(
            _Row(
                title.split(":")[0],
                f"exit {result.exit_code}",
                f"{drifted} drifted",
                len(log),
                len(writes(log)),
            )
        )
        return result

    def summary(self, seconds: float) -> None:
        self.say("", "Summary")
        self.say(
            *(
                "   " + line
                for line in report.table(
                    ("step", "result", "resources", "requests", "writes"),
                    [(r.step, r.outcome, r.resources, r.requests, r.writes) for r in self.rows],
                )
            )
        )
        self.say("", f"Wall time {seconds:.1f} s. Emulator and provider server stopped.")
        self.say("Not simulated offline:", *(f"   - {line}" for line in LIMITS))
        for problem in self.problems:
            self.say(f"PROBLEM: {problem}")


@contextlib.contextmanager
def _state_directory(state_dir: Optional[pathlib.Path]) -> Iterator[pathlib.Path]:
    if state_dir is not None:
        yield pathlib.Path(state_dir)
        return
    with tempfile.TemporaryDirectory(prefix="handoff-offline-") as temporary:
        yield pathlib.Path(temporary)


def run_trial(
    stream: TextIO,
    *,
    stack: str = "dev",
    change: str = "remove-queue-membership",
    remediate: bool = True,
    state_dir: Optional[pathlib.Path] = None,
) -> int:
    """Run the walk-through; 0 when every step behaved as expected, 1 otherwise."""
    started = time.monotonic()
    trial = Trial(stream, stack, change, remediate, keeps_state=state_dir is not None)
    emulator = Emulator().start()
    try:
        target = EmulatorTarget(emulator.base_url, emulator.ca_path)
        target.seed_for_offline_runs(default=True)
        trial.say(
            f"Offline trial of stack '{stack}': emulator at {emulator.base_url} "
            "(default fixture + native seed)",
            "   legend: + create  ~ update  = same  - delete   [mocked] = native resource, not run offline",
        )
        with _state_directory(state_dir) as directory, ProviderServers(ROOT) as servers:
            runner = OfflineRunner(
                stack,
                state_dir=directory,
                overrides=target.overrides(),
                provider_env=target.provider_env(),
                servers=servers,
                on_step=lambda event: trial.say(*report.event_lines(event)),
                on_refresh=lambda r, drift: trial.say(report.refresh_line(r, drift)),
            )
            code = trial.run(target, runner)
    finally:
        emulator.stop()
    trial.summary(time.monotonic() - started)
    return code
