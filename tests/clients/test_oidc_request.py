"""GitHub Actions' way of handing out the federated token: the client asks the runner's token service
(ACTIONS_ID_TOKEN_REQUEST_URL, bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN) for an ID token with the audience
api://AzureADTokenExchange, then exchanges it at Entra. The runner's service is played by a small HTTPS
server on loopback, trusted like the emulator through REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

import http.server
import json
import ssl
import threading
import urllib.parse

import pytest
import trustme

from components.clients import errors
from components.clients.dataverse import DataverseClient

from .support import DEPLOYER, DEV_URL, GITHUB_DEV_SUBJECT, TENANT, raises_entry

REQUEST_TOKEN = "runner-request-token-for-tests"


class _TokenService(http.server.BaseHTTPRequestHandler):
    token = ""
    status = 200
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        type(self).seen.append((query, self.headers.get("Authorization")))
        body = json.dumps({"count": 1, "value": type(self).token}).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def token_service(trusted_emulator, tmp_path, monkeypatch):
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TokenService)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(open(trusted_emulator.ca_path).read() + ca.cert_pem.bytes().decode())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    _TokenService.token, _TokenService.status, _TokenService.seen = (
        trusted_emulator.federated_token(GITHUB_DEV_SUBJECT),
        200,
        [],
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/_apis/token?api-version=2.0"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def github_env(url: str) -> dict:
    return {
        "ARM_CLIENT_ID": DEPLOYER,
        "ARM_TENANT_ID": TENANT,
        "ARM_USE_OIDC": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
    }


def test_github_actions_token_is_requested_with_the_exchange_audience(config, token_service):
    client = DataverseClient.connect(config, DEV_URL, environ=github_env(token_service))
    assert client.who_am_i().user_id.startswith("a13")
    query, authorization = _TokenService.seen[0]
    assert query == {"api-version": ["2.0"], "audience": ["api://AzureADTokenExchange"]}
    assert authorization == f"Bearer {REQUEST_TOKEN}"


def test_a_failing_runner_token_service_is_reported_without_its_bearer(config, token_service):
    _TokenService.status = 500
    with raises_entry(errors.AuthenticationError, "federated-token-unavailable", "HTTP 500") as info:
        DataverseClient.connect(config, DEV_URL, environ=github_env(token_service)).who_am_i()
    assert REQUEST_TOKEN not in str(info.value)
