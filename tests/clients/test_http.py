"""The one HTTP session: retries only where safe, Retry-After honoured through the injected sleeper, a
budget in attempts and time, timeouts, paging, and the typed error each failure becomes.
"""

from __future__ import annotations

import socket
import time

import pytest

from components.clients import auth, errors
from components.clients.config import ServiceEndpoint
from components.clients.dataverse import BotUserSpec, DataverseClient
from components.clients.dataverse.base import ODATA_HEADERS
from components.clients.http import ApiSession
from components.clients.retry import RetryPolicy

from .support import DEV_URL, raises_entry

WHO_AM_I = r"/api/data/v9\.2/WhoAmI$"
SYSTEMUSERS = r"/api/data/v9\.2/systemusers$"
ROOT_BU = "a1100000-0000-4000-8000-000000000001"
BOT_APP = "44444444-4444-4444-8444-444444444444"


def api_calls(emulator, method=None) -> list:
    return emulator.requests(service="dataverse", method=method)


def bot_spec() -> BotUserSpec:
    return BotUserSpec(app_id=BOT_APP, business_unit_id=ROOT_BU, last_name="Contoso Helper bot")


def bot_users(emulator) -> list:
    env = next(e for e in emulator.state("dataverse")["environments"] if e["url"] == DEV_URL)
    return [u for u in env["tables"]["systemusers"] if (u.get("applicationid") or "").lower() == BOT_APP]


def session(
    config, secret_env, sleeper, *, timeout=(5.0, 30.0), policy=RetryPolicy(), endpoint=None
) -> ApiSession:
    tokens = auth.token_provider(config, secret_env)
    return ApiSession(
        endpoint or config.dataverse(DEV_URL),
        tokens,
        service="dataverse",
        headers=ODATA_HEADERS,
        policy=policy,
        sleeper=sleeper,
        timeout=timeout,
    )


def test_a_429_burst_is_waited_out_for_exactly_retry_after(dataverse, trusted_emulator, sleeper):
    trusted_emulator.inject(method="GET", path=WHO_AM_I, status=429, count=3, retry_after=2)
    assert dataverse.who_am_i().user_id
    assert sleeper.waits == [2, 2, 2]
    assert [r.status for r in api_calls(trusted_emulator)] == [429, 429, 429, 200]


def test_a_throttled_post_is_sent_again_because_it_was_never_run(dataverse, trusted_emulator, sleeper):
    trusted_emulator.inject(method="POST", path=SYSTEMUSERS, status=429, count=2, retry_after=1)
    user = dataverse.create_bot_user(bot_spec())
    assert user.application_id == BOT_APP and sleeper.waits == [1, 1]
    assert len(bot_users(trusted_emulator)) == 1


def test_the_service_protection_window_passing_lets_the_request_through(config, secret_env, trusted_emulator):
    trusted_emulator.configure(dataverse_max_requests=2, dataverse_window=1, retry_after=1)
    waited = []

    def sleep_in_emulator_time(seconds):  # the emulator's limits run on its own clock
        waited.append(seconds)
        trusted_emulator.advance_clock(seconds)

    client = DataverseClient.connect(config, DEV_URL, environ=secret_env, sleeper=sleep_in_emulator_time)
    for _ in range(3):
        assert client.who_am_i()
    assert waited == [1]
    assert [r.status for r in api_calls(trusted_emulator)] == [200, 200, 429, 200]


def test_a_503_on_get_is_retried_with_backoff(dataverse, trusted_emulator, sleeper):
    trusted_emulator.inject(method="GET", path=WHO_AM_I, status=503, count=2)
    assert dataverse.who_am_i()
    assert len(api_calls(trusted_emulator, "GET")) == 3
    assert sleeper.waits and all(0 < w <= 20 for w in sleeper.waits)


def test_a_503_on_post_is_not_resent_blindly(dataverse, trusted_emulator, sleeper):
    trusted_emulator.inject(method="POST", path=SYSTEMUSERS, status=503, count=1)
    with raises_entry(errors.AmbiguousWriteError, "ambiguous-write", "HTTP 503", "(request-id "):
        dataverse.create_bot_user(bot_spec())
    assert len(api_calls(trusted_emulator, "POST")) == 1 and sleeper.waits == []
    # The caller re-reads by natural key; here the fault answered before the service ran it.
    assert dataverse.user_by_application_id(BOT_APP) is None


def test_a_connection_dropped_after_a_post_was_sent_is_ambiguous(dataverse, trusted_emulator):
    dataverse.who_am_i()
    trusted_emulator.inject(method="POST", path=SYSTEMUSERS, kind="drop", count=1)
    with raises_entry(errors.AmbiguousWriteError, "ambiguous-write", "ConnectionError"):
        dataverse.create_bot_user(bot_spec())
    assert len(api_calls(trusted_emulator, "POST")) == 1


def test_a_connection_dropped_on_get_is_retried(dataverse, trusted_emulator):
    dataverse.who_am_i()
    trusted_emulator.inject(method="GET", path=WHO_AM_I, kind="drop", count=1)
    assert dataverse.who_am_i()
    assert len(api_calls(trusted_emulator, "GET")) == 3


def test_a_read_timeout_is_retried_for_get_and_ambiguous_for_post(
    config, secret_env, sleeper, trusted_emulator
):
    # Timeouts need real time to pass: 100 ms of patience against 400 ms of latency, small but with room
    # for a loaded machine.
    api = session(config, secret_env, sleeper, timeout=(5.0, 0.1))
    api.request("GET", "WhoAmI", operation="call WhoAmI")  # token and connection first
    trusted_emulator.inject(method="GET", path=WHO_AM_I, kind="latency", latency_ms=400, count=1)
    assert api.request("GET", "WhoAmI", operation="call WhoAmI").status == 200
    trusted_emulator.inject(method="POST", path=SYSTEMUSERS, kind="latency", latency_ms=400, count=1)
    with raises_entry(errors.AmbiguousWriteError, "ambiguous-write", "ReadTimeout"):
        DataverseClient(api).create_bot_user(bot_spec())
    # The server finishes the slow POST after the client gave up: the write did happen, which is why the
    # caller re-reads by natural key (the App ID) instead of sending it again.
    assert wait_for(lambda: len(bot_users(trusted_emulator)) == 1)
    assert wait_for(lambda: len([r for r in api_calls(trusted_emulator) if r.fault == "latency"]) == 2)


def wait_for(condition, limit: float = 2.0) -> bool:
    """Poll `condition` until it holds or `limit` seconds pass (for the server's own delayed work)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_an_unreachable_service_is_unavailable_even_for_post(config, secret_env, sleeper, trusted_emulator):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    endpoint = ServiceEndpoint(f"https://127.0.0.1:{closed_port}/api/data/v9.2", f"{DEV_URL}/.default")
    api = session(config, secret_env, sleeper, endpoint=endpoint, policy=RetryPolicy(max_attempts=3))
    with raises_entry(errors.UnavailableError, "service-unavailable", "ConnectionError") as info:
        DataverseClient(api).create_bot_user(bot_spec())
    assert not isinstance(info.value, errors.AmbiguousWriteError)  # never sent: safe to run again


def test_a_retry_after_beyond_the_budget_gives_up_at_once(dataverse, trusted_emulator, sleeper):
    trusted_emulator.inject(method="GET", path=WHO_AM_I, status=429, count=1, retry_after=600)
    with raises_entry(
        errors.ThrottledError, "dataverse-service-protection", "HTTP 429 0x80072322", "Retry-After 600"
    ):
        dataverse.who_am_i()
    assert sleeper.waits == [] and len(api_calls(trusted_emulator)) == 1


def test_attempts_are_bounded(dataverse, trusted_emulator, sleeper):
    trusted_emulator.inject(method="GET", path=WHO_AM_I, status=429, count=20, retry_after=1)
    with raises_entry(errors.ThrottledError, "dataverse-service-protection", "0x80072322"):
        dataverse.who_am_i()
    assert len(api_calls(trusted_emulator)) == 5 and sleeper.waits == [1, 1, 1, 1]


def test_a_persistent_503_becomes_unavailable(dataverse, trusted_emulator):
    trusted_emulator.inject(method="GET", path=WHO_AM_I, status=503, count=20)
    with raises_entry(errors.UnavailableError, "service-unavailable", "HTTP 503"):
        dataverse.who_am_i()


def test_an_unknown_answer_is_an_unexpected_status(dataverse, trusted_emulator):
    trusted_emulator.inject(method="GET", path=WHO_AM_I, status=418, count=1)
    with raises_entry(errors.UnexpectedStatusError, "unexpected-response", "HTTP 418"):
        dataverse.who_am_i()


def test_an_untrusted_certificate_names_requests_ca_bundle(dataverse, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    with raises_entry(errors.UnavailableError, "service-unavailable", "REQUESTS_CA_BUNDLE"):
        dataverse.who_am_i()


def test_paging_follows_next_links_within_its_bound(config, secret_env, sleeper, trusted_emulator):
    api = session(config, secret_env, sleeper)
    users = api.collect(
        "systemusers", operation="list users", params={"$select": "systemuserid"}, page_size=2
    )
    assert len(users) == 6 and len(api_calls(trusted_emulator)) == 3
    with raises_entry(errors.UnexpectedStatusError, "unexpected-response", "more than 2 pages"):
        api.collect(
            "systemusers",
            operation="list users",
            params={"$select": "systemuserid"},
            page_size=2,
            max_pages=2,
        )


def test_a_next_link_to_another_host_keeps_the_configured_host(config, secret_env, sleeper):
    api = session(config, secret_env, sleeper)
    rebased = api.url("https://evil.example.com/api/data/v9.2/systemusers?$skiptoken=abc")
    assert rebased.startswith(api.base_url.split("/api/")[0] + "/api/data/v9.2/systemusers?")


@pytest.mark.parametrize("policy", [dict(max_attempts=0), dict(max_total_seconds=-1)])
def test_a_retry_policy_needs_an_attempt_and_a_budget(policy):
    with pytest.raises(ValueError, match="at least one attempt"):
        RetryPolicy(**policy)
