"""`python -m offline`: run a committed stack against the offline emulator, with no tenant and no Pulumi CLI.

    python -m offline trial                                   the whole walk-through, self-contained
    python -m offline up --stack dev --emulator URL --ca PATH
    python -m offline preview --stack dev --emulator URL --ca PATH
    python -m offline refresh --preview-only --stack dev --emulator URL --ca PATH [--event-log FILE]
    python -m offline portal remove-queue-membership --stack dev --emulator URL --ca PATH
    python -m offline portal --list

Start an emulator for the single commands with `python -m emulator --ca-out .offline/emulator-ca.pem
--seed emulator/fixtures/default/directory.json --seed emulator/fixtures/default/arm.json
--seed emulator/fixtures/default/dataverse.json` (it prints its base_url); `up` adds the native seed.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Optional, Sequence, TextIO

from . import report
from . import runner as runner_module
from .emulator import EmulatorTarget, EmulatorUnreachableError
from .portal import CHANGES, STEPS, Binding, PortalError, apply_change
from .program import DeterministicMocks
from .runner import CONFIGURATION, SUCCESS, OfflineRunner
from .trial import run_trial

DEFAULT_STATE_DIR = pathlib.Path(".offline")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m offline",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the program for a stack offline, against the emulator, as the Pulumi engine would.",
        epilog=runner_module.__doc__,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def stack_options(sub: argparse.ArgumentParser, emulator: bool = True) -> None:
        sub.add_argument("--stack", default="dev", help="stack name: Pulumi.<stack>.yaml (default dev)")
        sub.add_argument(
            "--state-dir",
            type=pathlib.Path,
            default=DEFAULT_STATE_DIR,
            help="where <stack>.json and secrets.key live (default .offline)",
        )
        if emulator:
            sub.add_argument(
                "--emulator",
                metavar="URL",
                required=True,
                help="base URL of a running emulator (python -m emulator prints it)",
            )
            sub.add_argument("--ca", metavar="PATH", required=True, help="the emulator's CA certificate")

    for name, what in (
        ("up", "deploy: create, update or delete to match the program"),
        ("preview", "show what up would do; writes nothing"),
    ):
        sub = commands.add_parser(name, help=what)
        sub.add_argument(
            "--refresh",
            action="store_true",
            help="read the live state first, as `pulumi up --refresh`: the way to remediate "
            "drift (a plain up compares the program with recorded state only)",
        )
        stack_options(sub)
    refresh = commands.add_parser(
        "refresh",
        help="compare recorded state with the live service, write the engine's event log and report it "
        "with the drift command's code: exit 7 on drift, as `python -m drift --from-event-log` would",
    )
    refresh.add_argument(
        "--preview-only",
        action="store_true",
        required=True,
        help="required: offline refresh never rewrites state (only the real engine does)",
    )
    refresh.add_argument(
        "--event-log",
        type=pathlib.Path,
        metavar="FILE",
        help="where to write the event log, in the shape of `pulumi refresh --preview-only --event-log "
        "FILE` (default <state-dir>/<stack>-refresh-events.jsonl)",
    )
    stack_options(refresh)
    portal = commands.add_parser("portal", help="make a portal-like change in the emulator (see --list)")
    portal.add_argument("change", nargs="?", choices=sorted({**CHANGES, **STEPS}), metavar="CHANGE")
    portal.add_argument("--list", action="store_true", help="list the portal-like changes")
    portal.add_argument("--stack", default="dev", help="stack whose binding to change (default dev)")
    portal.add_argument("--emulator", metavar="URL", help="base URL of a running emulator")
    portal.add_argument("--ca", metavar="PATH", help="the emulator's CA certificate")
    trial = commands.add_parser("trial", help="start an emulator and walk through up, up, portal, refresh")
    trial.add_argument("--stack", default="dev", help="committed stack to run (default dev)")
    trial.add_argument(
        "--change",
        default="remove-queue-membership",
        choices=sorted(CHANGES),
        help="the portal-like change to make (default remove-queue-membership)",
    )
    trial.add_argument(
        "--no-remediate",
        dest="remediate",
        action="store_false",
        help="stop after the refresh that reports the drift",
    )
    trial.add_argument(
        "--state-dir",
        type=pathlib.Path,
        help="keep the state here (default: a temporary directory, removed at the end)",
    )
    return parser


def main(argv: Optional[Sequence[str]] = None, stream: TextIO = sys.stdout) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "trial":
        return run_trial(
            stream, stack=args.stack, change=args.change, remediate=args.remediate, state_dir=args.state_dir
        )
    if args.command == "portal" and args.list:
        report.emit(
            stream,
            report.table(
                ("change", "what it does", "drift expected on", "bot kinds"),
                [
                    (c.name, c.summary, c.drifts or "(setup: no drift)", ", ".join(c.kinds))
                    for c in {**CHANGES, **STEPS}.values()
                ],
            ),
        )
        return SUCCESS
    if (
        getattr(args, "emulator", None) is None
        or getattr(args, "ca", None) is None
        or (args.command == "portal" and args.change is None)
    ):
        parser.error(
            f"{args.command} needs "
            + ("a CHANGE, " if args.command == "portal" else "")
            + "--emulator URL and --ca PATH"
        )
    if not pathlib.Path(args.ca).is_file():
        parser.error(f"--ca {args.ca}: no such file (python -m emulator --ca-out PATH writes it)")
    target = EmulatorTarget(args.emulator.rstrip("/"), str(pathlib.Path(args.ca).resolve()))
    try:
        target.check()
        return _run(args, target, stream)
    except (EmulatorUnreachableError, PortalError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return CONFIGURATION


def _run(args: argparse.Namespace, target: EmulatorTarget, stream: TextIO) -> int:
    runner = OfflineRunner(
        args.stack,
        state_dir=getattr(args, "state_dir", DEFAULT_STATE_DIR),
        overrides=target.overrides(),
        provider_env=target.provider_env(),
        on_step=lambda e: report.emit(stream, report.event_lines(e)),
        on_refresh=lambda r, d: report.emit(stream, [report.refresh_line(r, d)]),
    )
    if args.command == "portal":
        config = runner.config()
        bot_app_id = DeterministicMocks(args.stack, config, runner.project).bot_app_client_id
        report.emit(stream, [apply_change(args.change, target, Binding.from_config(config, bot_app_id))])
        return SUCCESS
    if args.command == "refresh":
        refreshed = runner.refresh_preview(args.event_log)
        if refreshed.failure:
            report.emit(sys.stderr, report.failure_lines(refreshed.failure))
        elif refreshed.report is not None:
            report.emit(stream, report.drift_lines(refreshed.report))
        report.emit(stream, report.event_log_lines(args.stack, refreshed.event_log))
        return refreshed.exit_code
    if args.command == "up":
        target.seed_for_offline_runs()  # stands in for the native providers' creates (idempotent)
    result = runner.up(args.refresh) if args.command == "up" else runner.preview(args.refresh)
    if result.failure:
        report.emit(sys.stderr, report.failure_lines(result.failure))
    else:
        report.emit(
            stream,
            [
                f"Resources: {report.counts(result)}",
                "Outputs:",
                *report.output_lines(result.outputs, result.secret_outputs),
            ],
        )
    return result.exit_code
