"""The bounded parallel scan over several stacks and the exit code it ends with."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from drift import exitcodes, scan
from drift.model import ErrorCategory, Report, StackStatus
from tests.drift import stacks


def _report(results) -> Report:
    return Report(stacks=results, generated_at="2026-01-01T00:00:00Z")


def test_scan_runs_stacks_together_up_to_the_bound():
    names = [f"s{i}" for i in range(7)]
    engine = stacks.FakeEngine({name: stacks.clean_stack("dev") for name in names}, expected_peak=3)
    results = scan.scan(engine, names, parallel=3)
    assert engine.max_active == 3
    assert [r.name for r in results] == names  # reported in the order asked, not the order finished


@pytest.mark.parametrize(
    "parallel, stack_count, workers", [(3, 7, 3), (4, 2, 2), (50, 40, scan.MAX_PARALLEL)]
)
def test_pool_is_never_wider_than_the_bound_the_stack_count_or_the_maximum(
    monkeypatch, parallel, stack_count, workers
):
    widths = []

    class RecordingPool(ThreadPoolExecutor):
        def __init__(self, max_workers, **kwargs):
            widths.append(max_workers)
            super().__init__(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(scan, "ThreadPoolExecutor", RecordingPool)
    names = [f"s{i}" for i in range(stack_count)]
    scan.scan(
        stacks.FakeEngine({name: stacks.clean_stack("dev") for name in names}), names, parallel=parallel
    )
    assert widths == [workers]


def test_parallel_one_scans_stacks_one_after_another():
    names = ["dev", "prod", "qa"]
    engine = stacks.FakeEngine({name: stacks.clean_stack("dev") for name in names})
    scan.scan(engine, names, parallel=1)
    assert engine.max_active == 1
    assert engine.calls == [
        ("refresh_preview", "dev"),
        ("refresh_preview", "prod"),
        ("refresh_preview", "qa"),
    ]


def test_scan_runs_only_the_refresh_preview_unless_pending_changes_are_asked():
    engine = stacks.FakeEngine({"dev": stacks.clean_stack("dev")}, pending={"dev": stacks.clean_stack("dev")})
    scan.scan(engine, ["dev"], parallel=2)
    assert engine.calls == [("refresh_preview", "dev")]
    scan.scan(engine, ["dev"], parallel=2, include_pending=True)
    assert engine.calls[1:] == [("refresh_preview", "dev"), ("pending_preview", "dev")]


def test_clean_stack_exits_0():
    report = _report(scan.scan(stacks.FakeEngine({"dev": stacks.clean_stack("dev")}), ["dev"], parallel=4))
    assert report.exit_code == 0 and report.status is StackStatus.CLEAN


def test_drift_in_one_of_several_stacks_exits_7_and_names_that_stack_only():
    engine = stacks.FakeEngine(
        {
            "dev": stacks.clean_stack("dev"),
            "prod": stacks.drifted_stack("prod"),
            "qa": stacks.clean_stack("dev"),
        }
    )
    report = _report(scan.scan(engine, ["dev", "prod", "qa"], parallel=2))
    assert report.exit_code == 7 and report.status is StackStatus.DRIFT
    assert [s.status for s in report.stacks] == [StackStatus.CLEAN, StackStatus.DRIFT, StackStatus.CLEAN]
    assert all(s.failure is None for s in report.stacks)


def test_authentication_failure_exits_3_and_is_not_reported_as_drift():
    engine = stacks.FakeEngine({"dev": stacks.auth_failure()})
    [result] = scan.scan(engine, ["dev"], parallel=4)
    assert result.status is StackStatus.ERROR and result.exit_code == 3
    assert result.failure.category is ErrorCategory.AUTHENTICATION and result.drift == ()
    assert _report((result,)).exit_code == 3


def test_stack_that_does_not_exist_exits_6():
    engine = stacks.FakeEngine({"qa": stacks.not_found("qa")})
    [result] = scan.scan(engine, ["qa"], parallel=4)
    assert result.failure.category is ErrorCategory.STACK_NOT_FOUND
    assert result.failure.message == "no stack named 'qa' found"
    assert _report((result,)).exit_code == 6


def test_an_error_on_one_stack_outranks_drift_on_another_and_both_are_reported():
    engine = stacks.FakeEngine({"dev": stacks.drifted_stack("dev"), "qa": stacks.not_found("qa")})
    report = _report(scan.scan(engine, ["dev", "qa"], parallel=2))
    assert report.exit_code == 6
    assert report.stacks[0].status is StackStatus.DRIFT and report.stacks[1].status is StackStatus.ERROR


def test_failed_pending_preview_keeps_the_drift_found_and_reports_the_error():
    engine = stacks.FakeEngine(
        {"prod": stacks.drifted_stack("prod")}, pending={"prod": stacks.auth_failure()}
    )
    [result] = scan.scan(engine, ["prod"], parallel=1, include_pending=True)
    assert result.status is StackStatus.ERROR and result.exit_code == 3
    assert len(result.drift) == 4 and result.pending is None


@pytest.mark.parametrize(
    "codes, expected",
    [
        ([], 0),
        ([0, 0], 0),
        ([0, 7], 7),
        ([7, 1], 1),
        ([1, 2], 2),
        ([2, 6], 6),
        ([6, 3, 7, 0], 3),
        ([4, 0], 1),
    ],
)
def test_worst_exit_code_follows_the_documented_precedence(codes, expected):
    assert exitcodes.worst(codes) == expected


def test_empty_scan_is_clean():
    assert scan.scan(stacks.FakeEngine({}), [], parallel=4) == ()
