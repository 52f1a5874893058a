"""Helpers for tests that talk to the emulated Entra ID, Graph and ARM: the default fixture's identities,
fresh msal applications, tokens, and a small JSON client over real TLS.

The secrets here are the default fixture's fake values (emulator/fixtures/default/directory.json);
the certificate's private key is made by the emulator at seed time (`emulator.certificate(name)`).
"""

from __future__ import annotations

from typing import Any, Optional

import msal
import requests

from .. import seeds

TENANT = "11111111-1111-4111-8111-111111111111"
TENANT_DOMAIN = "contoso.onmicrosoft.com"
DEPLOYER_APP = "22222222-2222-4222-8222-222222222222"
READER_APP = "88888888-8888-4888-8888-888888888888"  # no Graph role, no ARM role assignment
DEV_BOT_APP = "44444444-4444-4444-8444-444444444444"
PROD_BOT_APP = "77777777-7777-4777-8777-777777777777"
DEV_SUBSCRIPTION, DEV_GROUP = "33333333-3333-4333-8333-333333333333", "rg-handoff-dev"
PROD_SUBSCRIPTION, PROD_GROUP = "66666666-6666-4666-8666-666666666666", "rg-handoff-prod"
GRAPH = "https://graph.microsoft.com"
ARM = "https://management.azure.com"
DEV_DATAVERSE = "https://contoso-dev.crm.dynamics.com"
DEPLOYER_CERTIFICATE = "deployer-certificate"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_DEV_SUBJECT = "repo:contoso/bot-handoff:environment:dev"
API_VERSION = "2022-09-15"


def fixture_secret(app_id: str) -> str:
    """The fake client secret the default fixture gives an application."""
    section = seeds.default_fixture()["directory"]
    app = next(a for a in section["applications"] if a["appId"] == app_id)
    return app["passwordCredentials"][0]["secretText"]


def tls_session(emulator) -> requests.Session:
    """A session that trusts only the emulator's CA (and ignores REQUESTS_CA_BUNDLE and proxies)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = emulator.ca_path
    return session


def msal_app(
    emulator, credential: Any, *, client_id: str = DEPLOYER_APP, tenant: str = TENANT
) -> msal.ConfidentialClientApplication:
    """A fresh confidential client (msal caches 400s for 60 s and honours Retry-After: one per scenario)."""
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential,
        authority=f"{emulator.base_url}/{tenant}",
        instance_discovery=False,
        http_client=tls_session(emulator),
    )


def token(emulator, resource: str, *, app_id: str = DEPLOYER_APP) -> str:
    """An access token for `resource`, through msal with the app's fixture secret."""
    result = msal_app(emulator, fixture_secret(app_id), client_id=app_id).acquire_token_for_client(
        [f"{resource}/.default"]
    )
    assert "access_token" in result, result
    return result["access_token"]


class ApiClient:
    """JSON requests to one emulated API with one bearer token."""

    def __init__(self, emulator, access_token: Optional[str]) -> None:
        self.emulator = emulator
        self.token = access_token
        self.session = tls_session(emulator)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Optional[dict] = None,
        params: Optional[dict] = None,
    ) -> requests.Response:
        sent = {"Accept": "application/json"}
        if self.token is not None:
            sent["Authorization"] = f"Bearer {self.token}"
        sent.update(headers or {})
        return self.session.request(
            method, self.emulator.base_url + path, json=json, headers=sent, params=params, timeout=10
        )

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs) -> requests.Response:
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs) -> requests.Response:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)
