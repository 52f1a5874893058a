"""Who may call Dataverse, and which environment answers: the token audience picks the environment; a
missing, expired, forged or foreign token answers 401 with the bearer challenge; a caller that is no
(enabled) user of the environment answers 403 (reference §4, docs/architecture.md)."""

from __future__ import annotations

import pytest

from emulator.core.tokens import TokenAuthority
from emulator.dataverse.testing import (
    DEPLOYER_APP,
    DEV,
    PROD,
    READER_APP,
    SANDBOX,
    TENANT,
    DataverseClient,
    error_of,
)
from emulator.entra.testing import fixture_secret, msal_app

OTHER_TENANT = "99999999-9999-4999-8999-999999999999"


@pytest.fixture
def dv(emulator):
    client = DataverseClient(emulator)
    yield client
    client.close()


def _challenge(response) -> str:
    assert response.status_code == 401
    assert response.content == b""
    return response.headers["WWW-Authenticate"]


def test_missing_token_answers_401_with_the_bearer_challenge(emulator, dv):
    challenge = _challenge(dv.get("WhoAmI", token=None))
    assert challenge == f"Bearer authorization_uri={emulator.base_url}/{TENANT}/oauth2/authorize"


def test_expired_token_answers_401_invalid_token(emulator):
    client = DataverseClient(emulator, lifetime=60)
    assert client.get("WhoAmI").status_code == 200
    emulator.advance_clock(61)
    challenge = _challenge(client.get("WhoAmI"))
    assert challenge.startswith('Bearer error="invalid_token", authorization_uri=')
    assert challenge.endswith(f", resource_id={DEV}")


def test_forged_token_answers_401(emulator, dv):
    other_key = TokenAuthority(emulator.app.ctx.clock)
    forged, _ = other_key.mint(
        audience=DEV, tenant_id=TENANT, app_id=DEPLOYER_APP, object_id="x", roles=(), lifetime=600
    )
    assert 'error="invalid_token"' in _challenge(dv.get("WhoAmI", token=forged))
    assert 'error="invalid_token"' in _challenge(dv.get("WhoAmI", token="not-a-jwt"))


def test_token_for_another_resource_answers_401(emulator):
    for audience in ("https://graph.microsoft.com", "https://contoso-other.crm.dynamics.com"):
        assert "resource_id" not in _challenge(DataverseClient(emulator, environment=audience).get("WhoAmI"))


def test_the_audience_picks_the_environment(emulator):
    dev, prod = DataverseClient(emulator, DEV), DataverseClient(emulator, PROD + "/")
    assert dev.get("WhoAmI").json()["OrganizationId"] == "a1010000-0000-4000-8000-000000000001"
    assert prod.get("WhoAmI").json()["OrganizationId"] == "b1010000-0000-4000-8000-000000000001"
    assert dev.get("businessunits?$select=name").json()["value"][0]["name"] == "contoso-dev"
    assert prod.get("businessunits?$select=name").json()["value"][0]["name"] == "contoso"


def test_audiences_are_the_seeded_environment_urls(emulator):
    assert emulator.app.ctx.services["dataverse"].audiences() == {DEV, PROD, SANDBOX}


def test_an_app_without_application_user_is_not_a_member_of_the_organization(emulator):
    response = DataverseClient(emulator, app_id="44444444-4444-4444-8444-444444444444").get("WhoAmI")
    assert response.status_code == 403
    assert error_of(response) == ("0x80072560", "The user is not a member of the organization.")


def test_a_token_of_another_tenant_is_not_a_member_of_the_organization(emulator):
    response = DataverseClient(emulator, tenant_id=OTHER_TENANT).get("WhoAmI")
    assert response.status_code == 403 and error_of(response)[0] == "0x80072560"


def test_a_disabled_application_user_is_refused(emulator, dv):
    reader = dv.get(f"systemusers?$filter=applicationid eq {READER_APP}").json()["value"][0]
    assert dv.patch(f"systemusers({reader['systemuserid']})", {"isdisabled": True}).status_code == 204
    response = DataverseClient(emulator, app_id=READER_APP).get("WhoAmI")
    assert response.status_code == 403
    code, message = error_of(response)
    assert code == "0x80040225"
    assert message.startswith(f"The user with SystemUserId={reader['systemuserid']} in OrganizationContext=")
    assert "Disabled users cannot access the system." in message


def test_msal_token_from_the_emulated_entra_reaches_dataverse(emulator, dv):
    """End to end: real msal, the deployer's client secret, the emulator's Entra, then Dataverse over TLS."""
    app = msal_app(emulator, fixture_secret(DEPLOYER_APP))
    for environment, organization in ((DEV, "a1010000"), (SANDBOX, "c1010000")):
        result = app.acquire_token_for_client(scopes=[f"{environment}/.default"])
        assert "access_token" in result, result.get("error_description")
        who = dv.get("WhoAmI", token=result["access_token"])
        assert who.status_code == 200
        assert who.json()["OrganizationId"].startswith(organization)
    log = [e for e in emulator.requests(service="dataverse") if e.path.endswith("/WhoAmI")]
    assert [(e.status, e.caller) for e in log] == [(200, DEPLOYER_APP), (200, DEPLOYER_APP)]
