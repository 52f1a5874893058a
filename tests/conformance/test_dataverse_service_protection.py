"""Service protection (reference §4.4), injected faults on Dataverse paths, concurrency safety and the
request log. Limits are lowered through the emulator config; the window slides on the emulator clock, so
nothing here sleeps."""

from __future__ import annotations

import concurrent.futures
import contextlib

import pytest
import requests

from emulator.dataverse.auth import Caller
from emulator.dataverse.testing import (
    DEPLOYER_APP,
    DEPLOYER_USER,
    DEV,
    DEV_BOT_APP,
    PROD,
    READER_APP,
    ROOT_BU,
    DataverseClient,
    error_of,
)

WHO_AM_I = r"/api/data/v9\.2/WhoAmI"


@pytest.fixture
def dv(emulator):
    client = DataverseClient(emulator)
    yield client
    client.close()


def _throttled(response, code, message, retry_after):
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(retry_after)
    assert error_of(response) == (code, message)


def test_request_count_limit_answers_429_with_retry_after(emulator, dv):
    emulator.configure(dataverse_max_requests=3, retry_after=7)
    assert [dv.get("WhoAmI").status_code for _ in range(3)] == [200, 200, 200]
    _throttled(
        dv.get("WhoAmI"),
        "0x80072322",
        "Number of requests exceeded the limit of 3 over time window of 300 seconds.",
        7,
    )
    _throttled(
        dv.get("NoSuchSet"),
        "0x80072322",
        "Number of requests exceeded the limit of 3 over time window of 300 seconds.",
        7,
    )


def test_the_request_window_slides_on_the_emulator_clock(emulator, dv):
    emulator.configure(dataverse_max_requests=2, dataverse_window=60)
    assert [dv.get("WhoAmI").status_code for _ in range(3)] == [200, 200, 429]
    emulator.advance_clock(61)
    assert dv.get("WhoAmI").status_code == 200


def test_limits_count_per_user(emulator, dv):
    emulator.configure(dataverse_max_requests=1)
    assert [dv.get("WhoAmI").status_code for _ in range(2)] == [200, 429]
    assert dv.as_app(READER_APP).get("WhoAmI").status_code == 200
    assert dv.as_app(DEPLOYER_APP, PROD).get("WhoAmI").status_code == 200  # another environment, another user


def test_unauthenticated_requests_are_refused_before_counting(emulator, dv):
    emulator.configure(dataverse_max_requests=1)
    assert [dv.get("WhoAmI", token=None).status_code for _ in range(3)] == [401, 401, 401]
    assert dv.get("WhoAmI").status_code == 200


def test_concurrency_limit_answers_429_at_once(emulator, dv):
    emulator.configure(dataverse_max_concurrency=2, retry_after=3)
    service = emulator.app.ctx.services["dataverse"]
    key = Caller(service.environments.by_audience(DEV), DEPLOYER_USER, DEPLOYER_APP).key
    with contextlib.ExitStack() as in_flight, concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(2):  # two requests of this user still being served
            in_flight.enter_context(service.protection.admit(key))
        responses = list(pool.map(lambda _: dv.get("WhoAmI"), range(6)))
        for response in responses:
            _throttled(response, "0x80072326", "Number of concurrent requests exceeded the limit of 2.", 3)
        assert dv.as_app(READER_APP).get("WhoAmI").status_code == 200
    assert dv.get("WhoAmI").status_code == 200


def test_parallel_requests_within_the_limits_all_succeed(emulator, dv):
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: dv.get("roles?$select=name").status_code, range(16)))
    assert statuses == [200] * 16
    assert len(emulator.requests(service="dataverse")) == 16


def test_parallel_creates_of_one_app_id_make_exactly_one_user(emulator, dv):
    body = {"applicationid": DEV_BOT_APP, "businessunitid@odata.bind": f"/businessunits({ROOT_BU})"}
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: dv.post("systemusers", body), range(8)))
    assert sorted(r.status_code for r in responses) == [204] + [400] * 7
    assert {error_of(r)[0] for r in responses if r.status_code == 400} == {"0x8004F511"}
    dev = next(e for e in emulator.state("dataverse")["environments"] if e["url"] == DEV)
    assert len([u for u in dev["tables"]["systemusers"] if u["applicationid"] == DEV_BOT_APP]) == 1


def test_injected_429_carries_a_service_protection_code(emulator, dv):
    emulator.configure(retry_after=2)
    emulator.inject(method="GET", path=WHO_AM_I, status=429, count=1)
    _throttled(
        dv.get("WhoAmI"),
        "0x80072322",
        "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
        2,
    )
    assert dv.get("WhoAmI").status_code == 200
    emulator.inject(path=WHO_AM_I, status=429, code="0x80072321", retry_after=5)
    _throttled(
        dv.get("WhoAmI"),
        "0x80072321",
        "Combined execution time of incoming requests exceeded limit of 1,200,000 milliseconds over "
        "time window of 300 seconds. Decrease number of concurrent requests or reduce the duration of "
        "requests and try again later.",
        5,
    )
    emulator.inject(path=WHO_AM_I, status=429, code="0x80072326")
    _throttled(dv.get("WhoAmI"), "0x80072326", "Number of concurrent requests exceeded the limit of 52.", 2)


def test_injected_server_errors_use_the_dataverse_error_shape(emulator, dv):
    emulator.inject(method="POST", path=r"/systemusers$", status=503, count=2, retry_after=1)
    emulator.inject(method="GET", path=r"/queues", status=500, skip=1)
    for _ in range(2):
        response = dv.post("systemusers", {})
        assert response.status_code == 503 and response.headers["Retry-After"] == "1"
        assert error_of(response) == ("0x80040216", "An unexpected error occurred.")
    assert dv.get("queues").status_code == 200
    assert dv.get("queues").status_code == 500
    assert dv.get("queues").status_code == 200


def test_injected_drop_closes_the_connection(emulator, dv):
    emulator.inject(method="GET", path=WHO_AM_I, kind="drop")
    with pytest.raises(requests.ConnectionError):
        dv.get("WhoAmI")
    assert dv.get("WhoAmI").status_code == 200


def test_request_log_records_dataverse_requests(emulator, dv):
    emulator.inject(method="GET", path=r"/bots", status=503)
    dv.get("roles?$select=name")
    dv.get("bots")
    dv.post("queues", {"name": "Logged"})
    dv.get("WhoAmI")
    dv.get("WhoAmI", token=None)
    entries = [
        (e.method, e.path, e.query, e.status, e.service, e.caller, e.fault)
        for e in emulator.requests(service="dataverse")
    ]
    assert entries == [
        ("GET", "/api/data/v9.2/roles", "$select=name", 200, "dataverse", DEPLOYER_APP, None),
        ("GET", "/api/data/v9.2/bots", "", 503, "dataverse", DEPLOYER_APP, "status:503"),
        ("POST", "/api/data/v9.2/queues", "", 204, "dataverse", DEPLOYER_APP, None),
        ("GET", "/api/data/v9.2/WhoAmI", "", 200, "dataverse", DEPLOYER_APP, None),
        ("GET", "/api/data/v9.2/WhoAmI", "", 401, "dataverse", None, None),
    ]
    assert [e.is_write for e in emulator.requests(service="dataverse")] == [False, False, True, False, False]
