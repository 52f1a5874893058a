"""Command line of the drift scan: arguments, stack selection, output files, exit code."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence, TextIO

from drift import digest, eventlog, exitcodes, report_json, report_markdown, scan, stream
from drift.classify import classify
from drift.engine import AutomationEngine, EngineFailure
from drift.events import EventCollector
from drift.model import Report, StackResult

EngineFactory = Callable[[str], "scan.Engine"]

_EPILOG = (
    "exit codes (worst over all stacks, in this order):\n"
    + "\n".join(f"  {code}  {exitcodes.MEANINGS[code]}" for code in exitcodes.PRECEDENCE)
    + """

Only read-only commands run: `pulumi refresh --preview-only --event-log FILE` (and `pulumi preview
--refresh` with --include-pending-changes), with PULUMI_SKIP_CONFIRMATIONS=false. State is never
written. Exit 7 means what the CLI's `--expect-no-changes` means: the engine counted changes. Report
schema: docs/drift-report.schema.json; details: docs/ci.md."""
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m drift",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_EPILOG,
        description="Detect drift between the cloud and the recorded state of one or more stacks.",
    )
    parser.add_argument(
        "stacks",
        nargs="*",
        metavar="STACK",
        help="stack names (as `pulumi stack ls` shows them, or org/project/stack)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        dest="all_stacks",
        help="scan every stack of the project in the current backend",
    )
    parser.add_argument("--work-dir", default=".", help="folder with Pulumi.yaml (default: current folder)")
    parser.add_argument(
        "--parallel", type=int, default=4, help=f"stacks scanned at once, 1..{scan.MAX_PARALLEL} (default: 4)"
    )
    parser.add_argument(
        "--include-pending-changes",
        action="store_true",
        help="also run `pulumi preview --refresh` and report program changes not yet applied "
        "in a separate section (they also make the exit code 7)",
    )
    parser.add_argument(
        "--format", choices=("json", "markdown"), default="markdown", help="report format (default: markdown)"
    )
    parser.add_argument("--output", default="-", help="report file, or - for stdout (default)")
    parser.add_argument(
        "--summary-file",
        metavar="PATH",
        help='also append the Markdown report to PATH (e.g. "$GITHUB_STEP_SUMMARY")',
    )
    parser.add_argument(
        "--from-event-log",
        action="append",
        default=[],
        metavar="STACK=FILE",
        help="build the report from the log of `pulumi refresh --preview-only --event-log FILE` "
        "instead of running the engine (repeatable); same report and exit code as a scan",
    )
    parser.add_argument(
        "--from-preview-json",
        action="append",
        default=[],
        metavar="STACK=FILE",
        help="build the report from `pulumi refresh --preview-only --json` output (repeatable); the "
        "digest cannot name a drifted resource whose provider gives no detailed diff (the binding's): "
        "such changes are counted as drift without a name. Prefer --from-event-log",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def main(
    argv: Optional[Sequence[str]] = None,
    engine_factory: EngineFactory = AutomationEngine,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    problem = _usage_problem(args)
    if problem:
        parser.print_usage(stderr)
        print(f"python -m drift: error: {problem}", file=stderr)
        return exitcodes.CONFIGURATION
    if args.from_event_log or args.from_preview_json:
        stacks = _stacks_from_logs(args.from_event_log) + _stacks_from_digests(args.from_preview_json)
    else:
        stacks = _stacks_from_engine(args, engine_factory, stderr)
    report = Report(stacks=stacks, generated_at=_now(), pending_requested=args.include_pending_changes)
    if not args.quiet:
        for stack in report.stacks:
            print(f"drift: {stack.name}: {stack.status.value} (exit code {stack.exit_code})", file=stderr)
    text = report_json.dumps(report) if args.format == "json" else report_markdown.render(report)
    _write(args.output, text, stdout)
    if args.summary_file:
        with open(args.summary_file, "a", encoding="utf-8") as summary:
            summary.write(report_markdown.render(report) + "\n")
    return report.exit_code


def _usage_problem(args: argparse.Namespace) -> str:
    for option, pairs in (
        ("--from-event-log", args.from_event_log),
        ("--from-preview-json", args.from_preview_json),
    ):
        if not pairs:
            continue
        if args.stacks or args.all_stacks or args.include_pending_changes:
            return f"{option} reads files: do not also name stacks, --all or --include-pending-changes"
        bad = [pair for pair in pairs if "=" not in pair or pair.startswith("=") or pair.endswith("=")]
        if bad:
            return f"{option} expects STACK=FILE, got {bad[0]!r}"
    if args.from_event_log or args.from_preview_json:
        return ""
    if args.all_stacks and args.stacks:
        return "name stacks or pass --all, not both"
    if not args.all_stacks and not args.stacks:
        return "name at least one stack, or pass --all"
    if not 1 <= args.parallel <= scan.MAX_PARALLEL:
        return f"--parallel must be between 1 and {scan.MAX_PARALLEL}, got {args.parallel}"
    if not (Path(args.work_dir) / "Pulumi.yaml").is_file():
        return (
            f"--work-dir {args.work_dir!r} has no Pulumi.yaml: run from the project folder or pass --work-dir"
        )
    return ""


def _stacks_from_engine(
    args: argparse.Namespace, engine_factory: EngineFactory, stderr: TextIO
) -> tuple[StackResult, ...]:
    names = list(dict.fromkeys(args.stacks))
    try:
        engine = engine_factory(args.work_dir)
        if args.all_stacks:
            names = list(engine.list_stacks())
    except EngineFailure as failure:
        # Nothing reached a stack (no CLI, no backend login): every requested stack gets the same error.
        result = classify(failure)
        return tuple(StackResult(name=name, failure=result) for name in (names or ["(all stacks)"]))
    if not args.quiet:
        print(
            f"drift: scanning {len(names)} stack(s), {min(args.parallel, max(len(names), 1))} at a time",
            file=stderr,
        )
    return scan.scan(engine, names, parallel=args.parallel, include_pending=args.include_pending_changes)


def _stacks_from_logs(pairs: Sequence[str]) -> tuple[StackResult, ...]:
    results = []
    for pair in pairs:
        name, _, path = pair.partition("=")
        collector = EventCollector()
        try:
            for event in eventlog.read_events(Path(path)):
                collector(event)
        except eventlog.EventLogError as error:
            results.append(stream.unreadable_input(name, error))
            continue
        results.append(stream.refresh_result(name, collector))
    return tuple(results)


def _stacks_from_digests(pairs: Sequence[str]) -> tuple[StackResult, ...]:
    results = []
    for pair in pairs:
        name, _, path = pair.partition("=")
        try:
            results.append(digest.stack_from_digest(name, digest.load_digest(Path(path))))
        except digest.DigestError as error:
            results.append(stream.unreadable_input(name, error))
    return tuple(results)


def _write(destination: str, text: str, stdout: TextIO) -> None:
    if destination == "-":
        stdout.write(text)
        stdout.flush()
        return
    Path(destination).parent.mkdir(parents=True, exist_ok=True)
    Path(destination).write_text(text, encoding="utf-8")


def _now() -> str:
    return (
        datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )
