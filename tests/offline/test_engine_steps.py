"""The offline engine's steps for dynamic resources, on the sample program: create, same, update, replace,
delete, check failures, provider failures, preview; state written only after success."""

from __future__ import annotations

import pytest
from pulumi.runtime.proto import resource_pb2

from offline.engine import Deployment, engine_urn
from offline.runner import DEPLOYMENT_FAILED, SUCCESS
from offline.steps import Goal, StepError
from offline.values import has_unknowns
from tests.offline.conftest import THING

FIRST = f"urn:pulumi:dev::sample::sample:index:Group${THING}::first"


def test_engine_urns_qualify_children_by_their_parents_type_but_not_by_the_root_stack():
    root = "urn:pulumi:dev::handoff::pulumi:pulumi:Stack::handoff-dev"
    component = engine_urn("dev", "handoff", root, "handoff:identity:BotIdentity", "bot")
    assert component == "urn:pulumi:dev::handoff::handoff:identity:BotIdentity::bot"
    child = engine_urn("dev", "handoff", component, "handoff:x:Inner", "inner")
    assert (
        engine_urn("dev", "handoff", child, "pkg:m:Leaf", "leaf")
        == "urn:pulumi:dev::handoff::handoff:identity:BotIdentity$handoff:x:Inner$pkg:m:Leaf::leaf"
    )


def test_first_up_creates_every_resource_through_the_provider_and_records_it(sample):
    result = sample.up(first="alpha")
    assert result.exit_code == SUCCESS, result.failure
    assert [(e.op, e.name, e.mocked) for e in result.events if e.type == THING] == [
        ("create", "first", False),
        ("create", "second", False),
    ]
    assert [e.name for e in result.events if e.mocked] == ["native"]
    first, second = sample.resource("first"), sample.resource("second")
    assert sample.records()[first.id] == "alpha" and sample.records()[second.id] == "alpha-second"
    assert first.urn == FIRST and second.dependencies == (FIRST,)
    assert result.outputs["first"] == "alpha" and result.outputs["second"] == "alpha-second"


def test_a_redeploy_without_changes_calls_no_provider_method_that_writes(sample):
    sample.up(first="steady")
    before, mtime = sample.state().resources, sample.store.stat().st_mtime_ns
    result = sample.up(first="steady")
    assert result.exit_code == SUCCESS
    assert {e.op for e in result.events} == {"same"}
    assert sample.store.stat().st_mtime_ns == mtime  # no Create, Update or Delete reached the provider
    assert {r.urn: r.outputs for r in sample.state().resources} == {r.urn: r.outputs for r in before}


def test_an_input_change_is_an_update_that_reports_the_property(sample):
    sample.up(first="before")
    first_id = sample.resource("first").id
    result = sample.up(first="after")
    update = next(e for e in result.events if e.name == "first")
    assert update.op == "update" and [(c.name, c.before, c.after) for c in update.changes] == [
        ("value", "before", "after")
    ]
    assert sample.resource("first").id == first_id and sample.records()[first_id] == "after"
    assert sample.records()[sample.resource("second").id] == "after-second"  # the dependent followed


def test_a_check_failure_stops_the_run_before_anything_is_written(sample):
    sample.up(first="kept")
    recorded, mtime = sample.state_file.path.read_bytes(), sample.store.stat().st_mtime_ns
    result = sample.up(first="")
    assert result.exit_code == DEPLOYMENT_FAILED
    assert result.failure.op == "check" and result.failure.urn == FIRST
    assert result.failure.message == "the provider rejected the inputs: value: value is required"
    assert sample.state_file.path.read_bytes() == recorded and sample.store.stat().st_mtime_ns == mtime


def test_a_failed_create_keeps_what_succeeded_and_a_rerun_converges_without_duplicates(sample):
    result = sample.up(first="fine", second="boom")
    assert result.exit_code == DEPLOYMENT_FAILED
    assert (result.failure.op, result.failure.message) == ("create", "refusing value boom")
    assert [r.name for r in sample.state().resources if r.type == THING] == ["first"]
    first_id = sample.resource("first").id
    assert sample.up(first="fine", second="fixed").exit_code == SUCCESS
    assert sample.resource("first").id == first_id
    ours = {r.id for r in sample.state().resources if r.type == THING}
    assert len(ours) == 2 and all(sample.records()[i] in ("fine", "fixed") for i in ours)


def test_a_removed_unprotected_resource_is_deleted(sample):
    sample.up()
    second_id = sample.resource("second").id
    result = sample.up(withSecond=False)
    assert [(e.op, e.name) for e in result.events if e.op == "delete"] == [("delete", "second")]
    assert second_id not in sample.records() and "second" not in [r.name for r in sample.state().resources]


def test_a_create_only_change_replaces_an_unprotected_resource(sample):
    sample.up(firstKey="k1")
    old_id = sample.resource("first").id
    result = sample.up(firstKey="k2")
    replace = next(e for e in result.events if e.name == "first")
    assert replace.op == "replace"
    assert ("key", "k1", "k2") in [(c.name, c.before, c.after) for c in replace.changes]
    new_id = sample.resource("first").id
    assert new_id != old_id and old_id not in sample.records() and new_id in sample.records()


def test_diff_unknown_is_decided_on_inputs_as_the_engine_does(sample):
    sample.up(undecided=True, first="same")
    assert next(e for e in sample.up(undecided=True, first="same").events if e.name == "second").op == "same"
    changed = next(e for e in sample.up(undecided=True, first="other").events if e.name == "second")
    assert changed.op == "update" and sample.records()[sample.resource("second").id] == "other-second"


def test_additional_secret_outputs_are_secret_in_state(sample):
    sample.up()
    assert "tokenSeen" in sample.resource("first").secret_outputs
    assert "tokenSeen" not in sample.resource("second").secret_outputs


def test_preview_reports_creates_and_writes_neither_state_nor_the_service(sample):
    result = sample.preview(first="planned")
    assert result.exit_code == SUCCESS
    assert [(e.op, e.preview) for e in result.events if e.type == THING] == [("create", True)] * 2
    assert not sample.state_file.exists()
    assert "planned" not in sample.records().values()


def test_preview_of_an_update_knows_the_new_inputs_but_not_the_output_only_values(sample):
    assert sample.up(first="live").outputs["firstTokenSeen"] is False
    result = sample.preview(first="proposed")
    # As the engine: the provider is not asked in a preview, so only the new inputs are known.
    assert result.outputs["first"] == "proposed"
    assert has_unknowns(result.outputs["firstTokenSeen"])


def test_preview_of_a_change_reports_the_update_without_sending_it(sample):
    sample.up(first="live")
    result = sample.preview(first="proposed")
    assert next(e for e in result.events if e.name == "first").op == "update"
    assert sample.records()[sample.resource("first").id] == "live"


@pytest.mark.parametrize(
    "option, field", [("ignore_changes", "ignoreChanges"), ("replace_on_changes", "replaceOnChanges")]
)
def test_options_only_the_engine_applies_are_refused_not_silently_ignored(option, field):
    request = resource_pb2.RegisterResourceRequest(
        type=THING, name="first", custom=True, **{field: ["value"]}
    )
    goal = Goal(
        urn=FIRST,
        type=THING,
        custom=True,
        parent="",
        protect=False,
        dependencies=(),
        provider="",
        inputs={},
        secret_inputs=frozenset(),
        additional_secret_outputs=frozenset(),
        delete_before_replace=False,
        retain_on_delete=False,
    )
    with pytest.raises(StepError) as caught:
        Deployment.refuse_unsimulated_options(goal, request)
    assert caught.value.message == (
        f"the offline runner does not simulate {option}; only the real engine applies it"
    )
