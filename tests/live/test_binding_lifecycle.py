"""The binding's lifecycle against a real environment (or the emulator, with HANDOFF_LIVE_EMULATOR): survey,
preview, up, a second up that changes nothing, a portal-like change made through the API and found by
refresh, remediation, and clean-up of everything the suite made. Skipped, with the reason, without the
HANDOFF_LIVE_* variables (settings.py; docs/live.md)."""

from __future__ import annotations

import contextlib
import io
import json

from components.clients.config import ClientConfig
from components.clients.dataverse import DataverseClient
from survey import cli
from survey.target import trusting

ROLE_ORDER_OF_CLEANUP = ("agent", "context", "workstream", "queue", "role", "user")


def _survey(live, *argv: str) -> dict:
    where = ["--emulator", live.emulator_url, "--ca", live.ca_path] if live.emulator_url else []
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["--stack", live.stack, "--format", "json", *where, *argv], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())["sections"]


def _client(stack_config: dict, settings) -> DataverseClient:
    return DataverseClient.connect(
        ClientConfig.from_mapping(stack_config), settings.omnichannel.dataverse_url
    )


@contextlib.contextmanager
def _cleaned_up(binding):
    """Whatever happens, delete what was made, in reverse dependency order (the removal override is set)."""
    try:
        yield binding
    finally:
        for role in ROLE_ORDER_OF_CLEANUP:
            if role in binding.state:
                binding.drivers[role].delete(binding.state.pop(role))


def test_survey_lists_the_suites_queue_and_workstream(live):
    sections = _survey(live)
    assert live.queue in {q["name"] for q in sections["queues"]}
    assert live.workstream in {w["name"] for w in sections["workstreams"]}


def test_preview_of_a_new_binding_finds_the_bot_user_without_failures(binding, live):
    """What a pull request's preview checks read-only for the first resource (the others' inputs are
    still unknown in a first preview): the bot user's App ID, preflights included."""
    with trusting(live.ca_path):
        outcome = binding.drivers["user"].check(binding.inputs("user"))
    assert outcome.failures == ()


def test_up_then_second_up_then_drift_then_remediation_then_cleanup(binding, live, stack_config, settings):
    with _cleaned_up(binding):
        deployed = binding.deploy()
        assert set(deployed) == set(binding.order)

        second = binding.preview()
        assert {role: d.changes for role, d in second.items() if d.changed} == {}

        with trusting(live.ca_path):
            client = _client(stack_config, settings)
            queue_id = deployed["queue"].outputs["queueId"]
            client.remove_queue_member(queue_id, deployed["user"].outputs["userId"])  # a portal click
        refreshed = binding.refresh()
        assert refreshed["queue"][1].changed or refreshed["queue"][0].gone

        binding.remediate("queue")
        again = binding.refresh()
        assert {role: d.changes for role, (_, d) in again.items() if d.changed} == {}

    sections = _survey(live)
    own = [v for v in sections["contextVariables"] if v["name"].startswith(f"handoffLive{live.suffix}")]
    assert own == []
