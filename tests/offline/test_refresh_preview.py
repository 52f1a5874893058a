"""`refresh --preview-only`: Read then Diff per dynamic resource, the engine's event log, a per-property drift
report made from it by the drift command's code, exit 7 on drift, and state never written; `up --refresh`
remediates."""

from __future__ import annotations

import json

from offline.runner import CHANGES_FOUND, SUCCESS, OfflineRunner
from tests.offline.conftest import SAMPLE_PROGRAM


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


def test_refresh_configures_the_provider_from_state_not_from_the_current_stack_file(sample, tmp_path):
    sample.up()
    # The stack file now points the provider at another store; the engine's refresh still uses the provider
    # inputs recorded at the last `up`, so it reads the records that were deployed: no drift.
    moved = OfflineRunner(
        "dev",
        state_dir=sample.state_dir,
        project_dir=SAMPLE_PROGRAM,
        overrides={"store": str(tmp_path / "elsewhere.json")},
        servers=sample.servers,
    )
    result = moved.refresh_preview()
    assert result.exit_code == SUCCESS and result.report.clean


def test_the_refresh_event_log_is_in_the_engine_shape_for_dynamic_resources(sample):
    sample.up(first="desired")
    sample.set_record(sample.resource("first").id, "changed-by-hand")
    result = sample.refresh()
    events = [json.loads(line) for line in result.event_log.read_text(encoding="utf-8").splitlines()]
    kinds = [next(k for k in event if k not in ("sequence", "timestamp")) for event in events]
    assert kinds[0] == "preludeEvent" and kinds[-2:] == ["summaryEvent", "cancelEvent"]
    steps = [e["resOutputsEvent"]["metadata"] for e in events if "resOutputsEvent" in e]
    assert [(m["op"], m["urn"].rsplit("::", 1)[-1], m["detailedDiff"]) for m in steps] == [
        ("update", "first", None),
        ("same", "second", None),
    ]
    assert events[-2]["summaryEvent"]["resourceChanges"] == {"update": 1, "same": 1}


def test_a_failed_read_is_an_error_of_the_log_never_clean(sample):
    sample.up()
    records = sample.store.read_text(encoding="utf-8")
    sample.store.write_text("not json", encoding="utf-8")  # every read now fails in the provider
    try:
        result = sample.refresh()
    finally:
        sample.store.write_text(records, encoding="utf-8")  # the store is shared with the other tests
    assert result.failure is not None and result.exit_code == 1  # what the CLI (v3.259) exits with
    events = [json.loads(line) for line in result.event_log.read_text(encoding="utf-8").splitlines()]
    assert events[-2]["summaryEvent"]["result"] == "failed"
    assert any(e.get("diagnosticEvent", {}).get("severity") == "error" for e in events)
