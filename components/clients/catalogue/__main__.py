"""Generate the docs from the catalogue.

    python -m components.clients.catalogue --write-docs   write docs/errors.md and the README table
    python -m components.clients.catalogue --check        exit 1 when either is out of date

The README table is written between its marker comments only when README.md has them (see render.py).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

from .render import README_BEGIN, errors_markdown, with_readme_table

ROOT = pathlib.Path(__file__).resolve().parents[3]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m components.clients.catalogue", description=__doc__.split("\n")[0]
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write-docs", action="store_true", help="write docs/errors.md and the README table")
    mode.add_argument("--check", action="store_true", help="fail when the docs differ from the catalogue")
    parser.add_argument("--root", type=pathlib.Path, default=ROOT, help="repository root (default: this one)")
    args = parser.parse_args(argv)

    targets = {args.root / "docs" / "errors.md": errors_markdown()}
    readme = args.root / "README.md"
    if readme.exists() and README_BEGIN in readme.read_text(encoding="utf-8"):
        targets[readme] = with_readme_table(readme.read_text(encoding="utf-8"))
    elif args.write_docs:
        print(f"note: {readme} has no known-errors markers; only docs/errors.md was written", file=sys.stderr)

    stale = [
        path
        for path, text in targets.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if args.check:
        for path in stale:
            print(
                f"out of date: {path.relative_to(args.root)} (run python -m components.clients.catalogue "
                "--write-docs)",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for path in stale:
        path.write_text(targets[path], encoding="utf-8")
        print(f"wrote {path.relative_to(args.root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
