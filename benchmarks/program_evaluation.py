"""How long evaluating the dev stack under Pulumi mocks takes in a fresh interpreter, imports included, and
its peak memory. Target: well under 3 s on the project machine (2 cores).

Each run starts a new Python (`sys.executable`), imports the program's modules and evaluates `__main__.py` for
Pulumi.dev.yaml through offline/program.py (mocks, no engine). Printed per run: the process wall time (start
to exit, interpreter start-up included), the in-process time (first import to stack outputs) and the peak RSS;
one extra run under tracemalloc gives the peak of Python allocations (tracemalloc slows imports, so it is not
timed).

    venv/bin/python benchmarks/program_evaluation.py [--runs 5] [--stack dev]
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.program_runs import one_run

TARGET_SECONDS = 3.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stack", default="dev")
    options = parser.parse_args()

    runs = [one_run(options.stack, trace=False) for _ in range(max(1, options.runs))]
    for number, r in enumerate(runs, 1):
        print(
            f"run {number}: process {r['process_s']:.3f} s, in-process {r['in_process_s']:.3f} s, "
            f"peak RSS {r['max_rss_mib']:.1f} MiB, {r['registrations']} registrations"
        )
    process = [r["process_s"] for r in runs]
    print(
        f"process wall time over {len(runs)} runs: min {min(process):.3f} s, median "
        f"{statistics.median(process):.3f} s, max {max(process):.3f} s (target < {TARGET_SECONDS:.1f} s)"
    )
    print(f"peak RSS: max {max(r['max_rss_mib'] for r in runs):.1f} MiB")
    traced = one_run(options.stack, trace=True)
    print(f"tracemalloc peak of Python allocations (one extra run): {traced['traced_peak_mib']:.1f} MiB")
    print(f"within target: {'yes' if max(process) < TARGET_SECONDS else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
