"""Benchmark: how long the offline emulator takes to start, answer its first request and stop.

    venv/bin/python -m benchmarks.emulator [--runs 5]

Target: well under a second (tests and the offline trial start it often). Prints one row per run.
"""

from __future__ import annotations

import argparse
import statistics
import time

import requests

from emulator import Emulator


def one_run() -> tuple[float, float, float]:
    started = time.perf_counter()
    emulator = Emulator().start()
    up = time.perf_counter()
    session = requests.Session()
    session.trust_env = False  # trust only the emulator's CA, whatever REQUESTS_CA_BUNDLE says
    session.get(
        f"{emulator.base_url}/_emulator/health", verify=emulator.ca_path, timeout=10
    ).raise_for_status()
    answered = time.perf_counter()
    emulator.stop()
    stopped = time.perf_counter()
    return up - started, answered - up, stopped - answered


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    rows = [one_run() for _ in range(args.runs)]
    print(f"{'run':>3}  {'start ms':>9}  {'first request ms':>17}  {'stop ms':>8}  {'total ms':>9}")
    for index, (start, first, stop) in enumerate(rows, 1):
        print(
            f"{index:>3}  {start * 1000:>9.0f}  {first * 1000:>17.0f}  {stop * 1000:>8.0f}  "
            f"{(start + first + stop) * 1000:>9.0f}"
        )
    totals = [sum(row) * 1000 for row in rows]
    print(f"median total {statistics.median(totals):.0f} ms (target: well under 1000 ms)")


if __name__ == "__main__":
    main()
