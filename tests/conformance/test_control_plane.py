"""The emulator's control plane under /_emulator/ (and its in-process twin): reset, seed, faults, the
request log, config, clock, state, and the keys it holds for tests (certificates, external OIDC tokens)."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from emulator import Emulator
from emulator.entra.testing import (
    ARM,
    DEPLOYER_APP,
    DEPLOYER_CERTIFICATE,
    DEV_GROUP,
    DEV_SUBSCRIPTION,
    GITHUB_DEV_SUBJECT,
    GRAPH,
    TENANT,
    ApiClient,
    fixture_secret,
    msal_app,
    tls_session,
    token,
)
from emulator.seeds import default_fixture, native_fixture

BOTS = (
    f"/subscriptions/{DEV_SUBSCRIPTION}/resourceGroups/{DEV_GROUP}/providers/Microsoft.BotService/botServices"
)


def control(emulator, method: str, path: str, body=None) -> requests.Response:
    return tls_session(emulator).request(
        method, f"{emulator.base_url}/_emulator/{path}", json=body, timeout=10
    )


@pytest.fixture
def graph(emulator) -> ApiClient:
    return ApiClient(emulator, token(emulator, GRAPH))


# --- lifecycle ----------------------------------------------------------------------------------------------
def test_the_emulator_starts_serves_and_stops_releasing_its_port():
    # Start-up time is a figure for benchmarks/emulator.py, not an assertion that could flake here.
    emulator = Emulator().start()
    port = int(emulator.base_url.rsplit(":", 1)[1])
    try:
        assert (
            tls_session(emulator).get(f"{emulator.base_url}/_emulator/health", timeout=5).status_code == 200
        )
    finally:
        emulator.stop()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_health_lists_the_services_in_dispatch_order(emulator):
    services = control(emulator, "GET", "health").json()["services"]
    assert services[:2] == ["graph", "arm"] and services[-1] == "entra"


def test_reset_forgets_everything_and_seed_loads_a_fixture(emulator, graph):
    graph.post("/v1.0/applications", json={"displayName": "temporary"})
    assert control(emulator, "POST", "reset").status_code == 204
    assert emulator.state("entra") == {"tenants": [], "applications": [], "servicePrincipals": []}
    assert (
        control(emulator, "POST", "seed", {"arm": native_fixture()["arm"], "directory": {}}).status_code
        == 400
    )
    control(emulator, "POST", "reset")
    assert control(emulator, "POST", "seed", default_fixture()).status_code == 204
    assert control(emulator, "POST", "seed", native_fixture()).status_code == 204
    names = {b["name"] for b in control(emulator, "GET", "state/arm").json()["botServices"]}
    assert names == {"contoso-handoff-dev", "contoso-handoff-prod"}


def test_a_bad_fixture_is_refused_naming_the_key(emulator):
    response = control(emulator, "POST", "seed", {"directory": {"applications": [{"tenantId": TENANT}]}})
    assert response.status_code == 400
    assert response.json()["error"] == "directory.applications[0].appId: required (a non-empty string)"


def test_state_of_an_unknown_service_answers_404(emulator):
    assert control(emulator, "GET", "state/nothing").status_code == 404


def test_state_never_holds_a_secret(emulator, graph):
    created = graph.post("/v1.0/applications", json={"displayName": "x"}).json()
    secret = graph.post(f"/v1.0/applications/{created['id']}/addPassword", json={}).json()["secretText"]
    dumped = control(emulator, "GET", "state/graph").text + control(emulator, "GET", "state/entra").text
    assert secret not in dumped and fixture_secret(DEPLOYER_APP) not in dumped


# --- faults -------------------------------------------------------------------------------------------------
def test_a_429_fault_answers_in_the_service_shape_with_retry_after(emulator, graph):
    assert (
        control(
            emulator,
            "POST",
            "faults",
            {"method": "GET", "path": "^/v1.0/applications$", "status": 429, "retryAfter": 0},
        ).status_code
        == 204
    )
    throttled = graph.get("/v1.0/applications")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "0"
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    assert graph.get("/v1.0/applications").status_code == 200
    assert [e.fault for e in emulator.requests(service="graph")] == ["status:429", None]


def test_a_429_fault_without_retry_after_uses_the_configured_one(emulator, graph):
    emulator.configure(retry_after=7)
    emulator.inject(path="/v1.0/", status=429)
    assert graph.get("/v1.0/applications").headers["Retry-After"] == "7"


@pytest.mark.parametrize("status, code", [(500, "InternalServerError"), (503, "ServiceUnavailable")])
def test_5xx_faults_answer_in_the_arm_shape(emulator, status, code):
    arm = ApiClient(emulator, token(emulator, ARM))
    emulator.inject(method="GET", path="/botServices/", status=status)
    response = arm.get(f"{BOTS}/contoso-handoff-dev", params={"api-version": "2022-09-15"})
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_a_503_at_the_token_endpoint_is_temporarily_unavailable(emulator):
    emulator.inject(method="POST", path="/oauth2/v2.0/token$", status=503, retry_after=0)
    response = tls_session(emulator).post(
        f"{emulator.base_url}/{TENANT}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEPLOYER_APP,
            "scope": f"{GRAPH}/.default",
            "client_secret": fixture_secret(DEPLOYER_APP),
        },
        timeout=10,
    )
    assert response.status_code == 503 and response.json()["error"] == "temporarily_unavailable"


def test_a_dropped_connection_gets_no_answer_and_is_logged(emulator, graph):
    emulator.inject(path="^/v1.0/applications$", kind="drop")
    with pytest.raises(requests.ConnectionError):
        graph.get("/v1.0/applications")
    entry = emulator.requests(service="graph")[-1]
    assert (entry.status, entry.fault) == (0, "drop")
    assert graph.get("/v1.0/applications").status_code == 200


def test_latency_delays_then_serves_the_request(emulator, graph):
    emulator.inject(path="^/v1.0/applications$", kind="latency", latency_ms=20)
    started = time.perf_counter()
    assert graph.get("/v1.0/applications").status_code == 200
    assert time.perf_counter() - started >= 0.02
    assert emulator.requests(service="graph")[-1].fault == "latency"


def test_skip_lets_matching_requests_through_before_the_fault_fires(emulator, graph):
    emulator.inject(method="GET", path="^/v1.0/applications$", status=503, skip=2, count=2)
    statuses = [graph.get("/v1.0/applications").status_code for _ in range(5)]
    assert statuses == [200, 200, 503, 503, 200]


def test_a_fault_matches_only_its_method_and_path(emulator, graph):
    emulator.inject(method="POST", path="^/v1.0/servicePrincipals$", status=500)
    assert graph.get("/v1.0/applications").status_code == 200
    assert graph.get("/v1.0/servicePrincipals").status_code == 200
    assert graph.post("/v1.0/servicePrincipals", json={"appId": DEPLOYER_APP}).status_code == 500


def test_pending_faults_are_listed_and_cleared(emulator):
    control(emulator, "POST", "faults", [{"path": "/a", "status": 500}, {"path": "/b", "kind": "drop"}])
    pending = control(emulator, "GET", "faults").json()["value"]
    assert [(f["path"], f["kind"], f["fired"]) for f in pending] == [("/a", "status", 0), ("/b", "drop", 0)]
    assert control(emulator, "DELETE", "faults").status_code == 204
    assert control(emulator, "GET", "faults").json()["value"] == []


def test_an_unknown_fault_kind_is_refused(emulator):
    response = control(emulator, "POST", "faults", {"kind": "explode"})
    assert response.status_code == 400 and "fault kind must be one of" in response.json()["error"]


# --- request log, config, clock -----------------------------------------------------------------------------
def test_the_request_log_records_method_path_status_caller_and_service(emulator, graph):
    control(emulator, "DELETE", "requests")
    graph.get("/v1.0/applications")
    graph.get("/v1.0/applications/missing")
    control(emulator, "GET", "health")  # control-plane requests are not logged
    logged = control(emulator, "GET", "requests").json()["value"]
    assert [(e["method"], e["path"], e["status"], e["caller"], e["service"]) for e in logged] == [
        ("GET", "/v1.0/applications", 200, DEPLOYER_APP, "graph"),
        ("GET", "/v1.0/applications/missing", 404, DEPLOYER_APP, "graph"),
    ]
    assert control(emulator, "DELETE", "requests").status_code == 204
    assert control(emulator, "GET", "requests").json()["value"] == []


def test_the_token_endpoint_logs_the_client_as_caller(emulator):
    msal_app(emulator, "wrong").acquire_token_for_client([f"{GRAPH}/.default"])
    entry = emulator.requests(service="entra", method="POST")[-1]
    assert (entry.caller, entry.status) == (DEPLOYER_APP, 401)


def test_config_is_read_and_changed_and_unknown_fields_refused(emulator):
    changed = control(
        emulator, "POST", "config", {"retryAfter": 0, "tokenLifetime": 60, "graphReplicationLag": 1}
    )
    assert changed.status_code == 200
    assert {k: changed.json()[k] for k in ("retryAfter", "tokenLifetime", "graphReplicationLag")} == {
        "retryAfter": 0,
        "tokenLifetime": 60,
        "graphReplicationLag": 1,
    }
    assert control(emulator, "GET", "config").json()["tokenLifetime"] == 60
    assert control(emulator, "POST", "config", {"colour": 1}).status_code == 400


def test_advancing_the_clock_expires_issued_tokens(emulator, graph):
    assert graph.get("/v1.0/applications").status_code == 200
    assert control(emulator, "POST", "clock", {"seconds": 3600}).json()["offsetSeconds"] == 3600
    assert graph.get("/v1.0/applications").status_code == 401


# --- keys the emulator holds for tests ----------------------------------------------------------------------
def test_the_certificate_route_returns_the_registered_certificate(emulator):
    body = control(emulator, "GET", f"certificates/{DEPLOYER_CERTIFICATE}").json()
    assert body["privateKeyPem"].startswith("-----BEGIN PRIVATE KEY-----")
    assert body["certificatePem"].startswith("-----BEGIN CERTIFICATE-----")
    deployer = next(a for a in emulator.state("entra")["applications"] if a["appId"] == DEPLOYER_APP)
    assert [k["thumbprint"] for k in deployer["keyCredentials"]] == [body["thumbprint"]]
    result = msal_app(
        emulator, {"private_key": body["privateKeyPem"], "thumbprint": body["thumbprint"]}
    ).acquire_token_for_client([f"{ARM}/.default"])
    assert "access_token" in result, result


def test_the_federated_token_route_mints_a_github_token_entra_accepts(emulator):
    github_token = control(emulator, "POST", "federated-token", {"subject": GITHUB_DEV_SUBJECT}).json()[
        "token"
    ]
    result = msal_app(emulator, {"client_assertion": lambda: github_token}).acquire_token_for_client(
        [f"{GRAPH}/.default"]
    )
    assert "access_token" in result, result
    assert control(emulator, "POST", "federated-token", {"issuer": "x"}).status_code == 400


def test_a_reset_ends_an_answer_still_trickling_so_nothing_of_before_reaches_the_next_test(emulator):
    # A client that gave up on a trickled answer leaves the server writing it; the reset between tests ends
    # it at once (and waits, bounded, for answers still being made), so no fault or log entry leaks over.
    emulator.inject(method="GET", path="WhoAmI", kind="trickle", status=200, latency_ms=5000, count=1)
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.RequestException):
        session.get(f"{emulator.base_url}/api/data/v9.2/WhoAmI", verify=emulator.ca_path, timeout=(5, 0.5))
    started = time.monotonic()
    emulator.reset()
    assert time.monotonic() - started < 2.0
    assert emulator.requests() == []
