"""Long waits say what they wait for (issue 15, item 11): the publish job's waits are reported with the
operation, the time waited and the bound, and the bound is `timeout_seconds` (the stack key
handoff:publishTimeoutSeconds, which the providers read into ProviderContext.publish_timeout_seconds)."""

from __future__ import annotations

from components.clients import errors
from components.clients.dataverse import DataverseClient
from components.clients.dataverse.agents import publish_waits

from .support import DEV_URL, raises_entry


def _client(config, secret_env, sleeper, lines: list) -> DataverseClient:
    return DataverseClient.connect(
        config, DEV_URL, environ=secret_env, sleeper=sleeper, progress=lines.append
    )


def test_each_wait_for_the_publish_job_is_reported_with_what_and_how_long(
    trusted_emulator, config, secret_env, sleeper
):
    lines: list[str] = []
    client = _client(config, secret_env, sleeper, lines)
    trusted_emulator.configure(publish_delay_reads=3)
    draft = client.agent("cr5a1_draftAgent")
    assert client.publish_agent(draft.id, previous=draft).is_published
    assert sleeper.waits == [1.0, 2.0]
    assert lines == [
        f"publish the agent {draft.id}: waiting 1 s for Copilot Studio's publish job (waited 0 s of at most "
        "120 s, handoff:publishTimeoutSeconds)",
        f"publish the agent {draft.id}: waiting 2 s for Copilot Studio's publish job (waited 1 s of at most "
        "120 s, handoff:publishTimeoutSeconds)",
    ]


def test_the_publish_wait_is_bounded_by_the_timeout_the_stack_sets(
    trusted_emulator, config, secret_env, sleeper
):
    lines: list[str] = []
    client = _client(config, secret_env, sleeper, lines)
    trusted_emulator.configure(publish_delay_reads=100)
    draft = client.agent("cr5a1_draftAgent")
    with raises_entry(errors.UnavailableError, "agent-publish-pending", "after 15 s of waiting"):
        client.publish_agent(draft.id, previous=draft, timeout_seconds=20)
    assert sleeper.waits == [w for w in publish_waits(20) if w] == [1.0, 2.0, 4.0, 8.0]
    assert all("of at most 20 s" in line for line in lines) and len(lines) == 4
