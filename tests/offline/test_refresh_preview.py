"""`refresh --preview-only`: Read then Diff per dynamic resource, a per-property drift report, exit 7 on
drift, and state never written; `up --refresh` remediates."""

from __future__ import annotations

from offline.runner import CHANGES_FOUND, SUCCESS


def test_a_clean_stack_refreshes_with_exit_zero_and_lists_what_is_not_checked(sample):
    sample.up()
    result = sample.refresh()
    assert result.exit_code == SUCCESS and result.report.clean
    assert [r.name for r in result.report.not_checked] == ["native"]
    assert len(result.report.checked) == 2


def test_an_out_of_band_change_is_reported_per_property_with_recorded_and_live_values(sample):
    sample.up(first="desired")
    sample.set_record(sample.resource("first").id, "changed-by-hand")
    recorded = sample.state_file.path.read_bytes()
    result = sample.refresh()
    assert result.exit_code == CHANGES_FOUND
    [drift] = result.report.drifts
    assert (drift.name, drift.kind) == ("first", "changed")
    assert [(p.name, p.before, p.after) for p in drift.properties] == [
        ("value", "desired", "changed-by-hand")
    ]
    assert sample.state_file.path.read_bytes() == recorded


def test_a_resource_deleted_out_of_band_is_reported_as_deleted(sample):
    sample.up()
    sample.drop_record(sample.resource("second").id)
    result = sample.refresh()
    assert result.exit_code == CHANGES_FOUND
    assert [(d.name, d.kind) for d in result.report.drifts] == [("second", "deleted")]


def test_a_plain_up_does_not_see_drift_but_up_with_refresh_remediates_it(sample):
    sample.up(first="desired")
    first_id = sample.resource("first").id
    sample.set_record(first_id, "changed-by-hand")
    # The engine's up diffs the program against recorded state, not the service: the drift stays.
    assert {e.op for e in sample.up(first="desired").events} == {"same"}
    assert sample.records()[first_id] == "changed-by-hand"
    result = sample.runner(first="desired").up(refresh=True)
    assert result.exit_code == SUCCESS
    assert [(e.op, e.name) for e in result.events if e.op != "same"] == [("update", "first")]
    assert sample.records()[first_id] == "desired"
    assert sample.refresh().exit_code == SUCCESS


def test_up_with_refresh_creates_again_what_was_deleted_out_of_band(sample):
    sample.up()
    old_id = sample.resource("second").id
    sample.drop_record(old_id)
    result = sample.runner().up(refresh=True)
    assert [(e.op, e.name) for e in result.events if e.op != "same"] == [("create", "second")]
    assert sample.resource("second").id != old_id and sample.refresh().exit_code == SUCCESS
