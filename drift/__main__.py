"""Process edge of `python -m drift`: run the command, turn an unexpected crash into exit code 1."""

from __future__ import annotations

import sys

from drift import exitcodes
from drift.cli import main


def run() -> int:
    try:
        return main()
    except KeyboardInterrupt:
        print("drift: interrupted", file=sys.stderr)
        return exitcodes.OTHER_ERROR
    except Exception as error:  # noqa: BLE001 - process edge: never let a crash look like "clean" or "drift"
        print(f"drift: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return exitcodes.OTHER_ERROR


if __name__ == "__main__":
    sys.exit(run())
