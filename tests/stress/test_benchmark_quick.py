"""`benchmarks/stress.py --quick` (1 and 2 bindings, no latency, two throttled requests) runs, meets its hard
targets and prints the one table with every row, so the script behind `make bench` and the README's figures
cannot rot unnoticed. Its figures are not judged here: a benchmark is not a timed test."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
OPERATIONS = ("create", "read", "update", "delete", "redeploy")
RESOURCES = ("user", "role", "queue", "workstream", "context", "agent")


def test_the_quick_benchmark_prints_every_row_of_its_table_and_meets_its_hard_targets():
    done = subprocess.run(
        [sys.executable, "benchmarks/stress.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    cells = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]
    figures = [row[1] for row in cells[1:]]
    expected = (
        [f"{op} {resource}" for op in OPERATIONS for resource in RESOURCES]
        + [f"{op} total (6 resources)" for op in OPERATIONS]
        + [
            "create writes",
            "tokens per provider process",
            "retries sent before Retry-After elapsed",
            "deploy s with 429s vs Σ Retry-After s",
        ]
        + [
            f"{what}, {n}"
            for what in (
                "deploy wall s",
                "refresh wall s",
                "provider server peak MiB",
                "harness (emulator + driver) peak MiB",
                "deploy writes",
                "redeploy requests",
                "evaluation s (process)",
                "registrations",
            )
            for n in ("1 binding", "2 bindings")
        ]
    )
    assert [name for name in expected if name not in figures] == []
    assert {len(row) for row in cells} == {8}  # every row has every column, even if empty
    assert "| NO |" not in done.stdout and "all hard targets met" in done.stdout
