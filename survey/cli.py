"""`python -m survey`: print one environment's hand-off as it is (read-only), save it, or diff two.

    python -m survey --stack dev                          the environment of Pulumi.dev.yaml, Markdown
    python -m survey --dataverse-url https://org.crm.dynamics.com --format json
    python -m survey --stack dev --save before.json       also keep it (JSON) for a later --diff
    python -m survey --diff before.json after.json        what changed between two saved surveys
    python -m survey --stack dev --emulator URL --ca FILE the offline emulator instead of Microsoft

Credentials: the deployer's ARM_*/AZURE_* variables, as the providers read them (README, "Prerequisites").
Exit codes: 0 done, 1 a service refused or failed (the catalogue's message says what to do), 2 the command
line or the stack file is wrong (the message names the option or key and the fix).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Optional, Sequence, TextIO

from components.clients.config import ClientConfigError
from components.clients.errors import ClientError
from components.redaction import redact
from components.settings import ConfigError

from . import collect, diff, render
from .target import Emulator, TargetError, resolve

SUCCESS, SERVICE_ERROR, USAGE_ERROR = 0, 1, 2
ROOT = pathlib.Path(__file__).resolve().parents[1]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m survey", formatter_class=argparse.RawDescriptionHelpFormatter, description=__doc__
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--stack", metavar="NAME", help="read Pulumi.<NAME>.yaml: its environment and resources"
    )
    where.add_argument(
        "--dataverse-url", metavar="URL", help="an environment, https://<org>.crm.dynamics.com"
    )
    where.add_argument(
        "--diff", nargs=2, metavar=("BEFORE", "AFTER"), type=pathlib.Path, help="two --save files"
    )
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument(
        "--save", metavar="FILE", type=pathlib.Path, help="also write the survey as JSON here"
    )
    parser.add_argument("--emulator", metavar="URL", help="base URL of the offline emulator")
    parser.add_argument("--ca", metavar="FILE", help="the emulator's CA certificate (with --emulator)")
    parser.add_argument("--project-dir", type=pathlib.Path, default=ROOT, help=argparse.SUPPRESS)
    return parser


def main(
    argv: Optional[Sequence[str]] = None, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr
) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.diff:
            return _diff(args, stdout)
        return _survey(args, stdout)
    except (TargetError, ConfigError, ClientConfigError, diff.SurveyFileError, ValueError) as exc:
        print(f"survey: {redact(str(exc))}", file=stderr)
        return USAGE_ERROR
    except ClientError as exc:
        print(f"survey: {redact(str(exc))}", file=stderr)
        return SERVICE_ERROR


def _diff(args: argparse.Namespace, stdout: TextIO) -> int:
    if args.save or args.emulator or args.ca:
        raise TargetError("--diff compares two saved files: it takes no --save, --emulator or --ca")
    before, after = diff.load(args.diff[0]), diff.load(args.diff[1])
    changes = diff.diff(before, after)
    environments = (before.get("environmentUrl"), after.get("environmentUrl"))
    if args.format == "json":
        stdout.write(render.diff_json(changes, environments))
    else:
        stdout.write(render.diff_markdown(changes, environments))
    return SUCCESS


def _survey(args: argparse.Namespace, stdout: TextIO) -> int:
    if bool(args.emulator) != bool(args.ca):
        raise TargetError("--emulator URL and --ca FILE go together (python -m emulator prints both)")
    emulator = Emulator(args.emulator, args.ca) if args.emulator else None
    target = resolve(
        stack=args.stack, dataverse_url=args.dataverse_url, emulator=emulator, project_dir=args.project_dir
    )
    document = collect.survey(target).to_json()
    if args.save:
        args.save.write_text(render.as_json(document), encoding="utf-8")
    stdout.write(render.as_json(document) if args.format == "json" else render.survey_markdown(document))
    return SUCCESS
