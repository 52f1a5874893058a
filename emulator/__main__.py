"""Run the emulator by hand:  python -m emulator [--port 8443] [--seed FIXTURE.json] [--ca-out PATH]

Prints the base URL and the path of the CA certificate to trust (REQUESTS_CA_BUNDLE), then serves until
interrupted.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .core.config import EmulatorConfig
from .server import Emulator


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument("--seed", action="append", default=[], help="JSON fixture to load (repeatable)")
    parser.add_argument("--ca-out", help="also write the CA certificate to this path")
    parser.add_argument("--retry-after", type=int, help="seconds sent in Retry-After on 429s")
    args = parser.parse_args(argv)

    config = EmulatorConfig()
    if args.retry_after is not None:
        config.retry_after = args.retry_after
    emulator = Emulator(config).start(host=args.host, port=args.port, ca_path=args.ca_out)
    for path in args.seed:
        with open(path, encoding="utf-8") as handle:
            emulator.seed(json.load(handle))
    print(f"base_url {emulator.base_url}", flush=True)
    print(f"ca_path {emulator.ca_path}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
