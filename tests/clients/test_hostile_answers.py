"""What a hostile or broken HTTPS proxy in front of the services can answer, and what the clients make of
it (issue 15): a redirect is refused and the credential never leaves; a trickling or silent server fails
within the request deadline with the operation named; an HTML page or `[]` is an unexpected response,
not "nothing found"; a 201 without its row is an ambiguous write, not a KeyError; odd Retry-After values
fall back to the backoff; service text is scrubbed of the credential's own secret.

The answers are the emulator's synthetic faults (emulator/core/faults.py: redirect, body, trickle), served
over real HTTPS on loopback.
"""

from __future__ import annotations

import email.utils
import socket
import threading
import time

import pytest

from components.clients import auth, errors
from components.clients.dataverse import DataverseClient
from components.clients.dataverse.base import ODATA_HEADERS
from components.clients.deadline import Deadline
from components.clients.http import ApiSession
from components.clients.retry import RetryPolicy, describe_retry_after, retry_after_seconds

from .support import DEPLOYER_SECRET, DEV_URL, raises_entry
from .test_http import BOT_APP, SYSTEMUSERS, WHO_AM_I, bot_spec, bot_users

TOKEN = r"/oauth2/v2\.0/token$"
QUEUES = r"/api/data/v9\.2/queues$"
FAST = Deadline(attempt=1.0, total=2.0)
LOGIN_PAGE = "<html><body><form action='/login'>Sign in to continue</form></body></html>"


class Listener:
    """A loopback TCP port that records whether anything connected (where a redirect would lead)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.sock.getsockname()[1]}/capture?code=secret-in-query"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    spot = Listener()
    yield spot
    spot.close()


def fast_session(config, secret_env, sleeper, deadline=FAST, progress=None) -> ApiSession:
    return ApiSession(
        config.dataverse(DEV_URL),
        auth.token_provider(config, secret_env),
        service="dataverse",
        headers=ODATA_HEADERS,
        sleeper=sleeper,
        deadline=deadline,
        progress=progress,
    )


# --- redirects: the credential never leaves for another host ------------------------------------------------
@pytest.mark.parametrize("status", [302, 307, 308])
def test_a_token_request_never_follows_a_redirect_to_another_host(
    trusted_emulator, config, secret_env, listener, status
):
    trusted_emulator.inject(method="POST", path=TOKEN, kind="redirect", status=status, location=listener.url)
    tokens = auth.token_provider(config, secret_env)
    with raises_entry(errors.ClientError, "redirect-refused", "redirect to https://127.0.0.1:") as info:
        tokens.token(f"{DEV_URL}/.default")
    assert listener.connections == 0, "the client secret was sent to the redirect's host"
    message = str(info.value)
    assert "secret-in-query" not in message and "/capture" not in message  # host only
    assert DEPLOYER_SECRET not in message


def test_an_api_redirect_is_refused_and_names_the_host(trusted_emulator, dataverse, listener):
    trusted_emulator.inject(method="GET", path=WHO_AM_I, kind="redirect", status=307, location=listener.url)
    with raises_entry(errors.ClientError, "redirect-refused", "redirect to https://127.0.0.1:"):
        dataverse.who_am_i()
    assert listener.connections == 0


# --- deadlines: a trickling or silent server cannot hold a request ---------------------------------------
def test_a_server_that_trickles_its_answer_fails_within_the_deadline(
    trusted_emulator, config, secret_env, sleeper
):
    client = DataverseClient(fast_session(config, secret_env, sleeper))
    client.who_am_i()  # token and connection ready: only the trickled answer is timed below
    trusted_emulator.inject(method="GET", path=WHO_AM_I, kind="trickle", status=200, latency_ms=5000, count=5)
    started = time.monotonic()
    with raises_entry(errors.UnavailableError, "service-unavailable", "call WhoAmI", "deadline"):
        client.who_am_i()
    assert time.monotonic() - started < FAST.total + 1.0


def test_a_silent_server_fails_within_the_deadline(trusted_emulator, config, secret_env, sleeper):
    client = DataverseClient(fast_session(config, secret_env, sleeper))
    client.who_am_i()
    trusted_emulator.inject(method="GET", path=WHO_AM_I, kind="latency", latency_ms=4000, count=5)
    started = time.monotonic()
    with raises_entry(errors.UnavailableError, "service-unavailable", "deadline"):
        client.who_am_i()
    assert time.monotonic() - started < FAST.total + 1.0


def test_a_create_cut_by_the_deadline_is_an_ambiguous_write(trusted_emulator, config, secret_env, sleeper):
    client = DataverseClient(fast_session(config, secret_env, sleeper))
    client.who_am_i()
    trusted_emulator.inject(method="POST", path=SYSTEMUSERS, kind="trickle", status=201, latency_ms=5000)
    with raises_entry(errors.AmbiguousWriteError, "ambiguous-write", "create the bot user", "deadline"):
        client.create_bot_user(bot_spec())


def test_a_trickling_token_endpoint_fails_within_its_deadline(
    trusted_emulator, config, secret_env, monkeypatch
):
    monkeypatch.setattr(auth, "ENTRA_DEADLINE", FAST)
    trusted_emulator.inject(method="POST", path=TOKEN, kind="trickle", status=200, latency_ms=5000, count=5)
    started = time.monotonic()
    with raises_entry(errors.UnavailableError, "service-unavailable", "get a token", "deadline"):
        auth.token_provider(config, secret_env).token(f"{DEV_URL}/.default")
    assert time.monotonic() - started < FAST.total + 1.0


def test_the_default_deadlines_bound_every_request():
    from components.clients import http

    assert http.DEFAULT_DEADLINE.attempt <= http.DEFAULT_TIMEOUT[1]
    assert http.DEFAULT_DEADLINE.total >= RetryPolicy().max_total_seconds
    assert auth.ENTRA_DEADLINE.total >= auth.ENTRA_RETRY.max_total_seconds


# --- answers that are not the API's ---------------------------------------------------------------------
def test_an_html_page_on_a_lookup_is_an_unexpected_response_not_a_missing_queue(trusted_emulator, dataverse):
    trusted_emulator.inject(
        method="GET", path=QUEUES, kind="body", status=200, body=LOGIN_PAGE, content_type="text/html"
    )
    with raises_entry(errors.UnexpectedStatusError, "unexpected-response", "text/html", "not JSON") as info:
        dataverse.queue("Bot escalations")
    assert "no queue" not in str(info.value) and "Sign in" not in str(info.value)


def test_an_empty_json_list_on_a_lookup_is_an_unexpected_response(trusted_emulator, dataverse):
    trusted_emulator.inject(method="GET", path=QUEUES, kind="body", status=200, body="[]")
    with raises_entry(errors.UnexpectedStatusError, "unexpected-response", "not a collection"):
        dataverse.queue("Bot escalations")


def test_a_create_answered_201_with_bad_json_is_an_ambiguous_write_not_a_key_error(
    trusted_emulator, dataverse
):
    trusted_emulator.inject(
        method="POST", path=SYSTEMUSERS, kind="body", status=201, body='{"systemuserid": '
    )
    with raises_entry(errors.AmbiguousWriteError, "ambiguous-write", "not valid JSON", "create the bot user"):
        dataverse.create_bot_user(bot_spec())


def test_a_create_answered_201_without_the_row_is_an_ambiguous_write(trusted_emulator, dataverse):
    trusted_emulator.inject(method="POST", path=SYSTEMUSERS, kind="body", status=201, body="{}")
    with raises_entry(errors.AmbiguousWriteError, "ambiguous-write", "without the created row"):
        dataverse.create_bot_user(bot_spec())
    assert bot_users(trusted_emulator) == []  # the fault answered in the service's place: nothing made
    assert BOT_APP


# --- Retry-After: RFC 9110 delay-seconds or HTTP-date, anything else falls back to the backoff -----------
@pytest.mark.parametrize("value", ["1.5", "-1", "soon", "1e3", ""])
def test_a_retry_after_that_is_not_a_delay_falls_back_to_the_backoff(
    trusted_emulator, dataverse, sleeper, value
):
    # Two 429s: urllib3's backoff is 0 after the first failure and backoff_factor * 2 after the second, so
    # the one wait seen is the backoff's, never a Retry-After of 1.5, -1 or 1000 s.
    trusted_emulator.inject(method="GET", path=WHO_AM_I, status=429, retry_after=value, count=2)
    assert dataverse.who_am_i().user_id
    assert sleeper.waits == [RetryPolicy().backoff_factor * 2]
    assert [r.status for r in trusted_emulator.requests(service="dataverse")] == [429, 429, 200]


def test_a_post_throttled_with_an_odd_retry_after_is_sent_again_not_ambiguous(trusted_emulator, dataverse):
    trusted_emulator.inject(method="POST", path=SYSTEMUSERS, status=429, retry_after="soon")
    assert dataverse.create_bot_user(bot_spec()).application_id == BOT_APP


def test_an_http_date_retry_after_is_waited_for_until_that_time(trusted_emulator, dataverse, sleeper):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    trusted_emulator.inject(method="GET", path=WHO_AM_I, status=429, retry_after=when)
    assert dataverse.who_am_i().user_id
    assert sleeper.waits == [pytest.approx(30, abs=2)]


def test_retry_after_is_parsed_and_printed_as_rfc_9110_defines_it():
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 25, usegmt=True)
    assert retry_after_seconds("30", lambda: now) == 30
    assert retry_after_seconds(date, lambda: now) == pytest.approx(25)
    assert retry_after_seconds(email.utils.formatdate(now - 60, usegmt=True), lambda: now) == 0
    for bad in ("1.5", "-1", "soon", "", None, "Wed, 99 Foo 2026"):
        assert retry_after_seconds(bad, lambda: now) is None
    assert describe_retry_after("30") == "Retry-After 30 s"
    assert describe_retry_after(date).startswith(f"Retry-After {date} (in ")
    assert " GMT s" not in describe_retry_after(date)
    assert "not a delay" in describe_retry_after("soon")


def test_a_throttled_error_prints_an_http_date_retry_after_as_a_date(trusted_emulator, config, secret_env):
    when = email.utils.formatdate(time.time() + 3600, usegmt=True)
    trusted_emulator.inject(method="GET", path=WHO_AM_I, status=429, retry_after=when, count=10)
    client = DataverseClient.connect(config, DEV_URL, environ=secret_env, policy=RetryPolicy(max_attempts=1))
    with raises_entry(
        errors.ThrottledError, "dataverse-service-protection", f"Retry-After {when} (in "
    ) as info:
        client.who_am_i()
    assert " GMT s" not in str(info.value)


def test_waits_before_a_retry_are_reported_with_the_operation(trusted_emulator, config, secret_env, sleeper):
    lines: list[str] = []
    client = DataverseClient(
        fast_session(config, secret_env, sleeper, deadline=Deadline(60, 150), progress=lines.append)
    )
    trusted_emulator.inject(method="GET", path=WHO_AM_I, status=429, retry_after=7)
    client.who_am_i()
    assert lines == ["call WhoAmI: waiting 7 s (Retry-After, after HTTP 429) before sending GET again"]


# --- scrubbing: the credential's own secret never comes back in a message -------------------------------
def test_service_text_is_scrubbed_of_the_credentials_secret(trusted_emulator, dataverse):
    echoed = f'{{"error": {{"code": "0x80040220", "message": "bad request from {DEPLOYER_SECRET}"}}}}'
    trusted_emulator.inject(method="GET", path=WHO_AM_I, kind="body", status=400, body=echoed)
    with pytest.raises(errors.ClientError) as info:
        dataverse.who_am_i()
    assert DEPLOYER_SECRET not in str(info.value) and "[redacted]" in str(info.value)
