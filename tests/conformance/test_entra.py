"""Conformance of the emulated Entra ID: discovery, and the client-credentials grant with a secret, a
certificate and a federated assertion, through real msal and through raw requests (reference §1, §6
#23-24)."""

from __future__ import annotations

import base64
import time
import uuid

import jwt
import msal
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emulator.entra.testing import (
    ARM,
    DEPLOYER_APP,
    DEPLOYER_CERTIFICATE,
    DEV_DATAVERSE,
    GITHUB_DEV_SUBJECT,
    GITHUB_ISSUER,
    GRAPH,
    READER_APP,
    TENANT,
    TENANT_DOMAIN,
    ApiClient,
    fixture_secret,
    msal_app,
    tls_session,
    token,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def post_token(emulator, form: dict, tenant: str = TENANT, auth=None):
    return tls_session(emulator).post(
        f"{emulator.base_url}/{tenant}/oauth2/v2.0/token", data=form, auth=auth, timeout=10
    )


def secret_form(**overrides) -> dict:
    form = {
        "grant_type": "client_credentials",
        "client_id": DEPLOYER_APP,
        "scope": f"{GRAPH}/.default",
        "client_secret": fixture_secret(DEPLOYER_APP),
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def claims_of(access_token: str) -> dict:
    return jwt.decode(access_token, options={"verify_signature": False})


def assert_aadsts(response, status: int, error: str, code: int, phrase: str) -> dict:
    """The §1.3 body: error, AADSTS description with trace/correlation/timestamp, codes, ids, error_uri."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert phrase in body["error_description"]
    assert "\r\nTrace ID: " in body["error_description"] and "\r\nTimestamp: " in body["error_description"]
    assert uuid.UUID(body["trace_id"]) and uuid.UUID(body["correlation_id"])
    assert time.strptime(body["timestamp"], "%Y-%m-%d %H:%M:%SZ")
    assert body["error_uri"] == f"https://login.microsoftonline.com/error?code={code}"
    return body


def certificate_assertion(
    emulator,
    *,
    key_pem: str = None,
    audience: str = None,
    lifetime: int = 600,
    thumbprint_header: str = "x5t",
    thumbprint: bytes = None,
) -> str:
    certificate = emulator.certificate(DEPLOYER_CERTIFICATE)
    digest = thumbprint or bytes.fromhex(certificate.sha1_thumbprint)
    now = int(time.time())
    claims = {
        "aud": audience or f"{emulator.base_url}/{TENANT}/oauth2/v2.0/token",
        "iss": DEPLOYER_APP,
        "sub": DEPLOYER_APP,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }
    header = {thumbprint_header: base64.urlsafe_b64encode(digest).decode().rstrip("=")}
    return jwt.encode(claims, key_pem or certificate.private_key_pem, algorithm="RS256", headers=header)


# --- discovery ------------------------------------------------------------------------------------------
def test_discovery_by_domain_names_the_emulator_endpoints_with_the_tenant_guid(emulator):
    response = tls_session(emulator).get(
        f"{emulator.base_url}/{TENANT_DOMAIN}/v2.0/.well-known/openid-configuration"
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=86400, private"
    document = response.json()
    base = f"{emulator.base_url}/{TENANT}"
    assert document["token_endpoint"] == f"{base}/oauth2/v2.0/token"
    assert document["authorization_endpoint"] == f"{base}/oauth2/v2.0/authorize"
    assert document["issuer"] == f"{base}/v2.0"
    assert "private_key_jwt" in document["token_endpoint_auth_methods_supported"]
    keys = tls_session(emulator).get(document["jwks_uri"]).json()["keys"]
    assert jwt.get_unverified_header(token(emulator, GRAPH))["kid"] in {k["kid"] for k in keys}


def test_discovery_of_an_unknown_tenant_answers_aadsts90002(emulator):
    response = tls_session(emulator).get(
        f"{emulator.base_url}/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration"
    )
    assert_aadsts(response, 400, "invalid_tenant", 90002, "Tenant 'fabrikam.onmicrosoft.com' not found")


def test_msal_reports_an_unknown_tenant_as_a_failed_discovery(emulator):
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        msal_app(emulator, "x", tenant="22222222-0000-4000-8000-000000000000")
    assert [(e.method, e.status) for e in emulator.requests(service="entra")] == [("GET", 400)]


# --- client secret -------------------------------------------------------------------------------------
def test_msal_acquires_a_graph_token_with_a_client_secret_carrying_the_apps_graph_roles(emulator):
    result = msal_app(emulator, fixture_secret(DEPLOYER_APP)).acquire_token_for_client([f"{GRAPH}/.default"])
    assert (
        result["token_type"] == "Bearer" and result["expires_in"] == 3599 and result["ext_expires_in"] == 3599
    )
    claims = claims_of(result["access_token"])
    assert claims["aud"] == GRAPH and claims["tid"] == TENANT and claims["appid"] == DEPLOYER_APP
    assert claims["roles"] == ["Application.ReadWrite.OwnedBy"]
    assert claims["exp"] - claims["iat"] == 3599


def test_arm_and_dataverse_tokens_carry_no_roles(emulator):
    assert claims_of(token(emulator, ARM))["roles"] == []
    dataverse = claims_of(token(emulator, DEV_DATAVERSE))
    assert dataverse["aud"] == DEV_DATAVERSE and dataverse["roles"] == []


def test_msal_trusts_the_emulator_ca_through_requests_ca_bundle(emulator, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_path)
    app = msal.ConfidentialClientApplication(
        DEPLOYER_APP,
        client_credential=fixture_secret(DEPLOYER_APP),
        authority=f"{emulator.base_url}/{TENANT_DOMAIN}",
        instance_discovery=False,
    )
    assert "access_token" in app.acquire_token_for_client([f"{ARM}/.default"])


def test_token_lifetime_follows_the_emulator_config(emulator):
    emulator.configure(token_lifetime=120)
    result = msal_app(emulator, fixture_secret(DEPLOYER_APP)).acquire_token_for_client([f"{ARM}/.default"])
    assert result["expires_in"] == 120
    claims = claims_of(result["access_token"])
    assert claims["exp"] - claims["iat"] == 120


def test_a_secret_in_the_http_basic_header_is_accepted(emulator):
    response = post_token(
        emulator,
        secret_form(client_id=None, client_secret=None),
        auth=(DEPLOYER_APP, fixture_secret(DEPLOYER_APP)),
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store, no-cache"
    assert claims_of(response.json()["access_token"])["appid"] == DEPLOYER_APP


def test_a_wrong_secret_gets_aadsts7000215_through_msal(emulator):
    result = msal_app(emulator, "the-secret-id-not-its-value").acquire_token_for_client([f"{GRAPH}/.default"])
    assert result["error"] == "invalid_client" and result["error_codes"] == [7000215]
    assert result["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert [e.status for e in emulator.requests(service="entra", method="POST")] == [401]


def test_a_wrong_secret_answers_the_documented_body(emulator):
    assert_aadsts(
        post_token(emulator, secret_form(client_secret="wrong")),
        401,
        "invalid_client",
        7000215,
        f"for a secret added to app '{DEPLOYER_APP}'",
    )


def test_an_expired_secret_answers_aadsts7000222(emulator):
    graph = ApiClient(emulator, token(emulator, GRAPH))
    created = graph.post("/v1.0/applications", json={"displayName": "expiring"}).json()
    graph.post("/v1.0/servicePrincipals", json={"appId": created["appId"]})
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    secret = graph.post(
        f"/v1.0/applications/{created['id']}/addPassword", json={"passwordCredential": {"endDateTime": end}}
    ).json()["secretText"]
    assert (
        post_token(emulator, secret_form(client_id=created["appId"], client_secret=secret)).status_code == 200
    )
    emulator.advance_clock(2 * 86400)
    assert_aadsts(
        post_token(emulator, secret_form(client_id=created["appId"], client_secret=secret)),
        401,
        "invalid_client",
        7000222,
        "are expired",
    )


def test_an_unknown_client_answers_aadsts700016(emulator):
    unknown = "99999999-9999-4999-8999-999999999999"
    assert_aadsts(
        post_token(emulator, secret_form(client_id=unknown)),
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{unknown}' was not found in the directory 'Contoso'",
    )


def test_an_unknown_tenant_at_the_token_endpoint_answers_aadsts90002(emulator):
    assert_aadsts(
        post_token(emulator, secret_form(), tenant="fabrikam.com"),
        400,
        "invalid_tenant",
        90002,
        "Tenant 'fabrikam.com' not found",
    )


def test_an_app_without_a_service_principal_is_refused(emulator):
    graph = ApiClient(emulator, token(emulator, GRAPH))
    created = graph.post("/v1.0/applications", json={"displayName": "no-sp"}).json()
    secret = graph.post(f"/v1.0/applications/{created['id']}/addPassword", json={}).json()["secretText"]
    assert_aadsts(
        post_token(emulator, secret_form(client_id=created["appId"], client_secret=secret)),
        401,
        "invalid_client",
        7000229,
        "is missing service principal",
    )


@pytest.mark.parametrize(
    "scope, status, error, code, phrase",
    [
        (
            "https://contoso.example.com/.default",
            400,
            "invalid_resource",
            500011,
            "The resource principal named https://contoso.example.com was not found",
        ),
        (
            "https://graph.microsoft.com/User.Read.All",
            400,
            "invalid_scope",
            1002012,
            "Client credential flows must have a scope value with /.default",
        ),
        (
            f"{GRAPH}/.default {ARM}/.default",
            400,
            "invalid_scope",
            70011,
            "The provided value for the input parameter",
        ),
    ],
)
def test_a_scope_the_grant_cannot_serve_is_refused(emulator, scope, status, error, code, phrase):
    assert_aadsts(post_token(emulator, secret_form(scope=scope)), status, error, code, phrase)


@pytest.mark.parametrize("missing", ["scope", "client_id", "grant_type"])
def test_a_missing_parameter_answers_aadsts900144(emulator, missing):
    assert_aadsts(
        post_token(emulator, secret_form(**{missing: None})),
        400,
        "invalid_request",
        900144,
        f"must contain the following parameter: '{missing}'",
    )


def test_a_request_without_a_credential_answers_aadsts7000218(emulator):
    assert_aadsts(
        post_token(emulator, secret_form(client_secret=None)),
        401,
        "invalid_client",
        7000218,
        "'client_assertion' or 'client_secret'",
    )


def test_another_grant_type_answers_aadsts70003(emulator):
    assert_aadsts(
        post_token(emulator, secret_form(grant_type="password")),
        400,
        "unsupported_grant_type",
        70003,
        "unsupported grant type 'password'",
    )


def test_a_client_request_id_comes_back_as_the_correlation_id(emulator):
    correlation = str(uuid.uuid4())
    response = tls_session(emulator).post(
        f"{emulator.base_url}/{TENANT}/oauth2/v2.0/token",
        data=secret_form(client_secret="wrong"),
        headers={"client-request-id": correlation},
    )
    assert response.json()["correlation_id"] == correlation


# --- certificate -----------------------------------------------------------------------------------------
def test_msal_acquires_a_token_with_a_certificate_and_its_sha1_thumbprint(emulator):
    certificate = emulator.certificate(DEPLOYER_CERTIFICATE)
    app = msal_app(
        emulator, {"private_key": certificate.private_key_pem, "thumbprint": certificate.sha1_thumbprint}
    )
    result = app.acquire_token_for_client([f"{ARM}/.default"])
    assert claims_of(result["access_token"])["aud"] == ARM


def test_msal_acquires_a_token_with_a_certificate_and_its_sha256_thumbprint(emulator):
    certificate = emulator.certificate(DEPLOYER_CERTIFICATE)
    app = msal_app(
        emulator,
        {"private_key": certificate.private_key_pem, "public_certificate": certificate.certificate_pem},
    )  # PS256 + x5t#S256 + x5c
    result = app.acquire_token_for_client([f"{GRAPH}/.default"])
    assert claims_of(result["access_token"])["roles"] == ["Application.ReadWrite.OwnedBy"]


def test_a_certificate_assertion_with_the_x5t_s256_header_is_accepted(emulator):
    digest = bytes.fromhex(emulator.certificate(DEPLOYER_CERTIFICATE).sha256_thumbprint)
    assertion = certificate_assertion(emulator, thumbprint_header="x5t#S256", thumbprint=digest)
    form = secret_form(client_secret=None, client_assertion=assertion, client_assertion_type=ASSERTION_TYPE)
    assert post_token(emulator, form).status_code == 200


def _other_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize(
    "case, status, error, code, phrase",
    [
        (
            "signed with another key",
            401,
            "invalid_client",
            700027,
            "did not match the expected signature value",
        ),
        ("unregistered thumbprint", 401, "invalid_client", 700027, "The key was not found."),
        ("another audience", 401, "invalid_client", 700023, "audience claim does not match Realm issuer"),
        ("expired", 401, "invalid_client", 700024, "not within its valid time range"),
        ("no thumbprint", 400, "invalid_request", 50027, "No certificate thumbprint specified"),
    ],
)
def test_a_bad_certificate_assertion_is_refused(emulator, case, status, error, code, phrase):
    assertion = {
        "signed with another key": lambda: certificate_assertion(emulator, key_pem=_other_key_pem()),
        "unregistered thumbprint": lambda: certificate_assertion(emulator, thumbprint=b"\x01" * 20),
        "another audience": lambda: certificate_assertion(
            emulator, audience="https://login.microsoftonline.com/x"
        ),
        "expired": lambda: certificate_assertion(emulator, lifetime=-60),
        "no thumbprint": lambda: certificate_assertion(emulator, thumbprint_header="kid"),
    }[case]()
    form = secret_form(client_secret=None, client_assertion=assertion, client_assertion_type=ASSERTION_TYPE)
    assert_aadsts(post_token(emulator, form), status, error, code, phrase)


# --- federated assertion (workload identity) -------------------------------------------------------------
def test_msal_acquires_a_token_with_a_github_federated_assertion(emulator):
    github_token = emulator.federated_token(GITHUB_DEV_SUBJECT)
    app = msal_app(emulator, {"client_assertion": lambda: github_token})
    result = app.acquire_token_for_client([f"{DEV_DATAVERSE}/.default"])
    claims = claims_of(result["access_token"])
    assert claims["appid"] == DEPLOYER_APP and claims["aud"] == DEV_DATAVERSE


def _federated(emulator, **options) -> dict:
    subject = options.pop("subject", GITHUB_DEV_SUBJECT)
    return secret_form(
        client_secret=None,
        client_assertion=emulator.federated_token(subject, **options),
        client_assertion_type=ASSERTION_TYPE,
        **({"client_id": options.pop("client_id")} if "client_id" in options else {}),
    )


@pytest.mark.parametrize(
    "options, code, phrase",
    [
        (
            {"subject": "repo:Contoso/bot-handoff:environment:dev"},
            7002138,
            "matches with case-insensitive comparison",
        ),
        (
            {"subject": "repo:contoso/bot-handoff:ref:refs/heads/main"},
            700213,
            "presented assertion subject 'repo:contoso/bot-handoff:ref:refs/heads/main'",
        ),
        (
            {"issuer": "https://vstoken.dev.azure.com/org"},
            700211,
            "assertion issuer 'https://vstoken.dev.azure.com/org'",
        ),
        ({"audience": "api://SomethingElse"}, 700212, "assertion audience 'api://SomethingElse'"),
        ({"lifetime": -60}, 700024, "not within its valid time range"),
    ],
)
def test_a_federated_assertion_that_matches_no_credential_is_refused(emulator, options, code, phrase):
    assert_aadsts(post_token(emulator, _federated(emulator, **options)), 401, "invalid_client", code, phrase)


def test_a_federated_assertion_for_an_app_without_federated_credentials_answers_aadsts70021(emulator):
    form = _federated(emulator)
    form["client_id"] = READER_APP
    assert_aadsts(
        post_token(emulator, form),
        401,
        "invalid_client",
        70021,
        f"Assertion Issuer: '{GITHUB_ISSUER}'. Assertion Subject: '{GITHUB_DEV_SUBJECT}'",
    )


def test_a_federated_assertion_not_signed_by_its_issuer_is_refused(emulator):
    now = int(time.time())
    forged = jwt.encode(
        {
            "iss": GITHUB_ISSUER,
            "sub": GITHUB_DEV_SUBJECT,
            "aud": "api://AzureADTokenExchange",
            "iat": now,
            "exp": now + 300,
        },
        _other_key_pem(),
        algorithm="RS256",
    )
    form = secret_form(client_secret=None, client_assertion=forged, client_assertion_type=ASSERTION_TYPE)
    assert_aadsts(post_token(emulator, form), 401, "invalid_client", 700027, "could not be verified")
