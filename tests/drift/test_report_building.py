"""From engine events to per-resource, per-property drift: what is reported, with which values, and
what is left out."""

from __future__ import annotations

import json

from pulumi.automation import events as auto_events

from drift import report_json, report_markdown, scan
from drift.model import ABSENT, Report, StackStatus
from tests.drift import engine_shapes as shapes
from tests.drift import stacks


def _scan(events, pending=None):
    engine = stacks.FakeEngine({"prod": events}, pending={"prod": pending} if pending is not None else None)
    return scan.scan_stack(engine, "prod", include_pending=pending is not None)


def _by_name(resources):
    return {resource.name: resource for resource in resources}


def test_clean_stack_reports_no_drift_and_the_engine_summary():
    result = _scan(stacks.clean_stack("prod"))
    assert result.status is StackStatus.CLEAN
    assert result.exit_code == 0
    assert result.drift == () and result.ignored == () and result.failure is None
    assert result.change_summary == {"same": 7}


def test_disabled_teams_channel_is_reported_with_recorded_and_live_values():
    result = _scan(stacks.drifted_stack("prod"))
    teams = _by_name(result.drift)["handoff-teams"]
    assert teams.type == stacks.CHANNEL and teams.change == "modified"
    [prop] = teams.properties
    assert (prop.path, prop.kind, prop.input_diff, prop.before, prop.after) == (
        "properties.properties.isEnabled",
        "update",
        True,
        True,
        False,
    )


def test_resource_deleted_outside_pulumi_is_reported_as_deleted():
    queue = _by_name(_scan(stacks.drifted_stack("prod")).drift)["handoff-queue"]
    assert queue.change == "deleted" and queue.type == stacks.QUEUE and queue.properties == ()


def test_added_list_element_has_no_before_value():
    context = _by_name(_scan(stacks.drifted_stack("prod")).drift)["handoff-context"]
    [prop] = context.properties
    assert prop.path == "variables[1]" and prop.kind == "add"
    assert prop.before is ABSENT and prop.after == "orderId:number"


def test_secret_property_drift_is_reported_with_both_values_masked():
    secret = _by_name(_scan(stacks.drifted_stack("prod")).drift)["handoff-secret"]
    [prop] = secret.properties
    assert (prop.path, prop.before, prop.after) == ("value", "[secret]", "[secret]")


def test_provider_blob_difference_is_ignored_not_drift():
    result = _scan(stacks.drifted_stack("prod"))
    assert "handoff-workstream" not in _by_name(result.drift)
    [ignored] = result.ignored
    assert ignored.path == "__provider" and ignored.reason == "dynamic-provider-state"
    assert ignored.urn.endswith("::handoff-workstream")


def test_drifted_stack_has_status_drift_and_exit_code_7():
    result = _scan(stacks.drifted_stack("prod"))
    assert result.status is StackStatus.DRIFT and result.exit_code == 7
    assert sorted(r.name for r in result.drift) == [
        "handoff-context",
        "handoff-queue",
        "handoff-secret",
        "handoff-teams",
    ]


def test_no_secret_or_pickled_provider_reaches_either_report():
    report = Report(stacks=(_scan(stacks.drifted_stack("prod")),), generated_at="2026-01-01T00:00:00Z")
    for text in (report_json.dumps(report), report_markdown.render(report)):
        assert shapes.PICKLE_MARKER not in text
        assert "n3w-s3cr3t-v4lue" not in text
        assert shapes.SIG not in text


def test_refresh_step_that_never_finished_counts_as_no_change():
    r = stacks.resources("prod")["bot"]
    announced, _ = shapes.refreshed(r["urn"], stacks.BOT, r, new=r)
    events = [shapes.pre_event(1, announced), shapes.summary_event(2, {})]
    result = _scan([auto_events.EngineEvent.from_json(e) for e in events])
    assert result.drift == ()


def test_update_without_detailed_diff_lists_the_changed_top_level_keys():
    r = stacks.resources("prod")["bot"]
    live = {
        **r,
        "inputs": {**r["inputs"], "location": "westeurope"},
        "outputs": {**r["outputs"], "location": "westeurope"},
    }
    step = shapes.metadata("update", r["urn"], stacks.BOT, old=r, new=live, diffs=["location"])
    events = shapes.refresh_events([(shapes.metadata("refresh", r["urn"], stacks.BOT, old=r, new=r), step)])
    [bot] = _scan(events).drift
    [prop] = bot.properties
    assert (prop.path, prop.kind, prop.before, prop.after) == ("location", "update", "global", "westeurope")


def test_pending_changes_are_separate_and_mark_the_changes_that_revert_drift():
    r = stacks.resources("prod")
    teams_live = {
        **r["teams"],
        "inputs": {
            **r["teams"]["inputs"],
            "properties": {"channelName": "MsTeamsChannel", "properties": {"isEnabled": False}},
        },
    }
    bot_program = {
        **r["bot"],
        "inputs": {
            **r["bot"]["inputs"],
            "properties": {"msaAppType": "SingleTenant", "endpoint": "https://bot2.contoso.com/api/messages"},
        },
    }
    events = [
        # refresh steps inside `preview --refresh` keep their "refresh" op and are not pending changes
        shapes.outputs_event(
            1, shapes.metadata("refresh", r["app"]["urn"], stacks.APP, old=r["app"], new=r["app"])
        ),
        shapes.outputs_event(
            2,
            shapes.metadata(
                "update",
                r["teams"]["urn"],
                stacks.CHANNEL,
                old=teams_live,
                new=r["teams"],
                detailed={"properties.properties.isEnabled": ("update", True)},
            ),
        ),
        shapes.outputs_event(
            3,
            shapes.metadata(
                "update",
                r["bot"]["urn"],
                stacks.BOT,
                old=r["bot"],
                new=bot_program,
                detailed={"properties.endpoint": ("update", True)},
            ),
        ),
        shapes.outputs_event(
            4,
            shapes.metadata(
                "create-replacement", r["context"]["urn"], stacks.CONTEXT, old=r["context"], new=r["context"]
            ),
        ),
        shapes.outputs_event(
            5,
            shapes.metadata(
                "replace",
                r["context"]["urn"],
                stacks.CONTEXT,
                old=r["context"],
                new=r["context"],
                detailed={"environmentUrl": ("update-replace", True)},
                keys=["environmentUrl"],
            ),
        ),
        shapes.outputs_event(
            6, shapes.metadata("delete-replaced", r["context"]["urn"], stacks.CONTEXT, old=r["context"])
        ),
        shapes.summary_event(7, {"update": 2, "replace": 1, "same": 4}),
    ]
    pending_events = [auto_events.EngineEvent.from_json(e) for e in events]
    result = _scan(stacks.drifted_stack("prod"), pending=pending_events)
    pending = _by_name(result.pending)
    assert set(pending) == {"handoff-teams", "handoff-bot", "handoff-context"}
    [revert] = pending["handoff-teams"].properties
    assert (revert.before, revert.after, revert.reverts_drift) == (False, True, True)
    [code_change] = pending["handoff-bot"].properties
    assert (code_change.before, code_change.after, code_change.reverts_drift) == (
        "https://bot.contoso.com/api/messages",
        "https://bot2.contoso.com/api/messages",
        False,
    )
    assert pending["handoff-context"].change == "replace"
    assert result.exit_code == 7


def test_clean_pending_preview_keeps_a_clean_stack_clean():
    no_changes = [auto_events.EngineEvent.from_json(shapes.summary_event(1, {"same": 7}))]
    result = _scan(stacks.clean_stack("prod"), pending=no_changes)
    assert result.pending == () and result.status is StackStatus.CLEAN and result.exit_code == 0


def test_pending_code_change_without_drift_makes_exit_code_7():
    bot = stacks.resources("prod")["bot"]
    program = {**bot, "inputs": {**bot["inputs"], "tags": {"handoff-geography": "europe"}}}
    events = [
        auto_events.EngineEvent.from_json(e)
        for e in (
            shapes.outputs_event(
                1,
                shapes.metadata(
                    "update",
                    bot["urn"],
                    stacks.BOT,
                    old=bot,
                    new=program,
                    detailed={"tags.handoff-geography": ("update", True)},
                ),
            ),
            shapes.summary_event(2, {"update": 1}),
        )
    ]
    result = _scan(stacks.clean_stack("prod"), pending=events)
    assert result.drift == () and len(result.pending) == 1
    assert result.status is StackStatus.DRIFT and result.exit_code == 7


def test_json_report_lists_property_values_and_omits_absent_sides():
    report = Report(stacks=(_scan(stacks.drifted_stack("prod")),), generated_at="2026-01-01T00:00:00Z")
    document = json.loads(report_json.dumps(report))
    context = next(r for r in document["stacks"][0]["drift"] if r["name"] == "handoff-context")
    assert context["properties"] == [
        {"path": "variables[1]", "kind": "add", "inputDiff": True, "after": "orderId:number"}
    ]


def test_value_secret_on_one_side_only_is_masked_on_both():
    # The recorded value is secret, the live one arrives unmarked (a provider that does not re-mark its
    # outputs).
    r = stacks.resources("prod")
    live = stacks._with(r["secret"], value="pl41n-l1ve-v4lue")
    events = shapes.refresh_events(
        [
            shapes.refreshed(
                r["secret"]["urn"],
                stacks.PASSWORD,
                r["secret"],
                new=live,
                detailed={"value": ("update", False)},
            )
        ]
    )
    [secret] = _scan(events).drift
    [prop] = secret.properties
    assert (prop.path, prop.before, prop.after) == ("value", "[secret]", "[secret]")
    report = Report(stacks=(_scan(events),), generated_at="2026-01-01T00:00:00Z")
    for text in (report_json.dumps(report), report_markdown.render(report)):
        assert "pl41n-l1ve-v4lue" not in text
