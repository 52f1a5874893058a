"""Helpers for tests that talk to the emulated Dataverse: the default fixture's identities and a small
HTTP client that sends what a Web API client sends (OData headers, a bearer token) over real TLS.

Tokens are minted by the emulator's token authority (what its Entra service signs), so these tests do not
depend on a directory fixture; test_dataverse_auth.py also gets a token through msal end to end.
"""

from __future__ import annotations

from typing import Any, Optional

import requests

TENANT = "11111111-1111-4111-8111-111111111111"
DEV = "https://contoso-dev.crm.dynamics.com"
PROD = "https://contoso.crm4.dynamics.com"
SANDBOX = "https://contoso-sandbox.crm.dynamics.com"
DEPLOYER_APP = "22222222-2222-4222-8222-222222222222"
READER_APP = "88888888-8888-4888-8888-888888888888"
DEV_BOT_APP = "44444444-4444-4444-8444-444444444444"
PROD_BOT_APP = "77777777-7777-4777-8777-777777777777"
PARTNER_BOT_APP = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
CONTOSO_HELPER_SCHEMA = "cr5a1_contosoHelper"
# The App ID the emulated Connect assigns to cr5a1_contosoHelper in dev (models/portal.py connect_app_id);
# Pulumi.dev.yaml names it as handoff:copilotAgentAppId.
DEV_AGENT_APP = "62d6e431-abed-54f1-a1ca-e4e5098f19ab"


def dev_id(kind: str, serial: int) -> str:
    """An id of the default fixture's dev environment; prod ids start with b1, sandbox ids with c1.

    kind: "01" organization, "10" business unit, "20" role, "30" user, "40" queue, "50" workstream,
    "60" context variable, "70" bot, "71" bot component, "80" solution.
    """
    return f"a1{kind}0000-0000-4000-8000-{serial:012x}"


ROOT_BU, SUPPORT_BU = dev_id("10", 1), dev_id("10", 2)
SYSTEM_ADMINISTRATOR, BASIC_USER = dev_id("20", 1), dev_id("20", 2)
OC_ADMINISTRATOR, OC_SUPERVISOR, OC_AGENT, BOT_AUTHOR = (dev_id("20", n) for n in (3, 4, 5, 6))
SUPPORT_OC_AGENT = dev_id("20", 0x15)
DEPLOYER_USER, READER_USER = dev_id("30", 1), dev_id("30", 2)
AVERY, BLAKE, CASEY, PARTNER_BOT_USER = (dev_id("30", n) for n in (0x10, 0x11, 0x12, 0x20))
BOT_ESCALATIONS, TIER2_CHAT, SUPPORT_INBOX = (dev_id("40", n) for n in (1, 2, 3))
CONTOSO_CHAT, CONTOSO_PICK, PARTNER_CHAT = (dev_id("50", n) for n in (1, 2, 3))
LOCALE_VARIABLE, CUSTOMER_TIER_VARIABLE, PARTNER_ID_VARIABLE = (dev_id("60", n) for n in (1, 2, 3))
CONTOSO_HELPER, DRAFT_AGENT, RETIRED_AGENT, LONG_NAME_AGENT = (dev_id("70", n) for n in (1, 2, 3, 4))
ESCALATE_TOPIC = dev_id("71", 1)


class DataverseClient:
    """Requests to one environment as one application (app-only token for the environment's URL)."""

    def __init__(
        self,
        emulator,
        environment: str = DEV,
        app_id: str = DEPLOYER_APP,
        tenant_id: str = TENANT,
        lifetime: int = 3600,
    ) -> None:
        self.emulator = emulator
        self.environment = environment
        self.base = f"{emulator.base_url}/api/data/v9.2/"
        self.token, _ = emulator.app.ctx.tokens.mint(
            audience=environment,
            tenant_id=tenant_id,
            app_id=app_id,
            object_id=app_id,
            roles=(),
            lifetime=lifetime,
        )
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify` otherwise

    def as_app(self, app_id: str, environment: Optional[str] = None) -> "DataverseClient":
        return DataverseClient(self.emulator, environment or self.environment, app_id)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Optional[dict] = None,
        params: Optional[dict] = None,
        token: Optional[str] = "default",
    ) -> requests.Response:
        sent = {
            "Accept": "application/json",
            "OData-MaxVersion": "4.0",
            "OData-Version": "4.0",
            "If-None-Match": "null",
        }
        if token == "default":
            token = self.token
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        url = path if path.startswith("https://") else self.base + path
        return self.session.request(
            method, url, json=json, headers=sent, params=params, verify=self.emulator.ca_path, timeout=10
        )

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs) -> requests.Response:
        return self.request("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs) -> requests.Response:
        return self.request("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        self.session.close()


def error_of(response: requests.Response) -> tuple[str, str]:
    """(code, message) of a Dataverse error body."""
    error = response.json()["error"]
    return error["code"], error["message"]
