"""From engine events to per-resource, per-property drift: what is reported, with which values, and
what is left out. Events are built in the recorded engine shape (tests/drift/engine_shapes.py)."""

from __future__ import annotations

import json

from drift import report_json, report_markdown, scan
from drift.model import Report, StackStatus
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
    assert result.change_summary == {"same": 7} and result.unnamed == 0


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


def test_dynamic_resource_drift_without_detailed_diff_names_the_property_from_old_and_new_state():
    context = _by_name(_scan(stacks.drifted_stack("prod")).drift)["handoff-context"]
    assert context.change == "modified" and context.type == stacks.CONTEXT
    [prop] = context.properties
    assert (prop.path, prop.kind, prop.input_diff) == ("variables", "update", True)
    assert prop.before == ["customerTier:text"]
    assert prop.after == ["customerTier:text", "orderId:number"]


def test_secret_property_drift_is_reported_with_both_values_masked():
    secret = _by_name(_scan(stacks.drifted_stack("prod")).drift)["handoff-secret"]
    [prop] = secret.properties
    assert (prop.path, prop.before, prop.after) == ("value", "[secret]", "[secret]")


def test_provider_blob_difference_is_left_out_but_the_resource_stays_drifted():
    # A provider without `diff` (DIFF_UNKNOWN) lets the engine compare inputs, `__provider` included: the
    # engine counts the update, so the report does too, with the blob left out and said so.
    r = stacks.resources("prod")["workstream"]
    live = stacks._with(r, __provider=shapes.plaintext_secret(shapes.PICKLE_MARKER))
    result = _scan(shapes.refresh_events([shapes.refreshed(r["urn"], stacks.WORKSTREAM, r, new=live)]))
    [workstream] = result.drift
    assert workstream.change == "modified" and workstream.properties == ()
    [ignored] = result.ignored
    assert ignored.path == "__provider" and ignored.reason == "dynamic-provider-state"
    assert result.exit_code == 7


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
    result = _scan(events)
    assert result.drift == () and result.status is StackStatus.CLEAN


def test_update_with_keys_but_no_detailed_diff_lists_the_changed_top_level_keys():
    r = stacks.resources("prod")["bot"]
    live = {
        **r,
        "inputs": {**r["inputs"], "location": "westeurope"},
        "outputs": {**r["outputs"], "location": "westeurope"},
    }
    step = shapes.metadata("update", r["urn"], stacks.BOT, old=r, new=live)
    events = shapes.refresh_events([(shapes.metadata("refresh", r["urn"], stacks.BOT, old=r, new=r), step)])
    [bot] = _scan(events).drift
    [prop] = bot.properties
    assert (prop.path, prop.kind, prop.before, prop.after) == ("location", "update", "global", "westeurope")


def test_error_diagnostic_in_the_events_is_an_error_not_clean():
    events = shapes.refresh_events(
        [], extra=[shapes.diagnostic_event(0, "error", "reading the queue failed: HTTP 500")]
    )
    result = _scan(events)
    assert result.status is StackStatus.ERROR and result.exit_code == 1
    assert "HTTP 500" in result.failure.message


def test_events_without_a_summary_are_an_error_not_clean():
    r = stacks.resources("prod")["bot"]
    announced, finished = shapes.refreshed(r["urn"], stacks.BOT, r, new=r)
    result = _scan([shapes.pre_event(0, announced), shapes.outputs_event(0, finished)])
    assert result.status is StackStatus.ERROR and "no summary event" in result.failure.message


def test_summary_counting_a_change_is_drift_even_when_no_event_names_it():
    result = _scan([shapes.summary_event(0, {"same": 6, "update": 1})])
    assert result.status is StackStatus.DRIFT and result.exit_code == 7 and result.unnamed == 1


def test_summary_ops_the_cli_does_not_count_as_changes_keep_the_stack_clean():
    result = _scan([shapes.summary_event(0, {"same": 3, "read": 1, "discard": 1, "read-replacement": 1})])
    assert result.status is StackStatus.CLEAN and result.exit_code == 0


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
                "create-replacement", r["secret"]["urn"], stacks.PASSWORD, old=r["secret"], new=r["secret"]
            ),
        ),
        shapes.outputs_event(
            5,
            shapes.metadata(
                "replace",
                r["secret"]["urn"],
                stacks.PASSWORD,
                old=r["secret"],
                new=r["secret"],
                detailed={"displayName": ("update-replace", True)},
                keys=["displayName"],
            ),
        ),
        shapes.outputs_event(
            6, shapes.metadata("delete-replaced", r["secret"]["urn"], stacks.PASSWORD, old=r["secret"])
        ),
        shapes.summary_event(7, {"update": 2, "replace": 1, "same": 4}),
    ]
    result = _scan(stacks.drifted_stack("prod"), pending=events)
    pending = _by_name(result.pending)
    assert set(pending) == {"handoff-teams", "handoff-bot", "handoff-secret"}
    [revert] = pending["handoff-teams"].properties
    assert (revert.before, revert.after, revert.reverts_drift) == (False, True, True)
    [code_change] = pending["handoff-bot"].properties
    assert (code_change.before, code_change.after, code_change.reverts_drift) == (
        "https://bot.contoso.com/api/messages",
        "https://bot2.contoso.com/api/messages",
        False,
    )
    assert pending["handoff-secret"].change == "replace"
    assert result.exit_code == 7


def test_clean_pending_preview_keeps_a_clean_stack_clean():
    no_changes = [shapes.summary_event(1, {"same": 7})]
    result = _scan(stacks.clean_stack("prod"), pending=no_changes)
    assert result.pending == () and result.status is StackStatus.CLEAN and result.exit_code == 0


def test_pending_code_change_without_drift_makes_exit_code_7():
    bot = stacks.resources("prod")["bot"]
    program = {**bot, "inputs": {**bot["inputs"], "tags": {"handoff-geography": "europe"}}}
    events = [
        *(
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
    r = stacks.resources("prod")["bot"]
    live = stacks._with(r, tags={"handoff-geography": "unitedstates", "owner": "portal"})
    step = shapes.metadata(
        "update", r["urn"], stacks.BOT, old=r, new=live, detailed={"tags.owner": ("add", True)}
    )
    events = shapes.refresh_events([(shapes.metadata("refresh", r["urn"], stacks.BOT, old=r, new=r), step)])
    report = Report(stacks=(_scan(events),), generated_at="2026-01-01T00:00:00Z")
    document = json.loads(report_json.dumps(report))
    [bot] = document["stacks"][0]["drift"]
    assert bot["properties"] == [{"path": "tags.owner", "kind": "add", "inputDiff": True, "after": "portal"}]


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
