"""Conformance of the emulated Microsoft Graph v1.0 subset: applications (create, upsert, get, patch,
delete, addPassword/removePassword), service principals, federated identity credentials, Graph's error
bodies, permissions and replication lag (reference §2, §6 #25-26)."""

from __future__ import annotations

import base64
import uuid

import pytest

from emulator.entra.testing import (
    ARM,
    GITHUB_ISSUER,
    GRAPH,
    READER_APP,
    TENANT,
    ApiClient,
    msal_app,
    token,
)

APPS = "/v1.0/applications"
SPS = "/v1.0/servicePrincipals"


@pytest.fixture
def graph(emulator) -> ApiClient:
    return ApiClient(emulator, token(emulator, GRAPH))


def assert_graph_error(response, status: int, code: str, phrase: str = "") -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert phrase in error["message"]
    inner = error["innerError"]
    assert uuid.UUID(inner["request-id"]) and uuid.UUID(inner["client-request-id"]) and inner["date"]
    return error


def create_app(graph: ApiClient, name: str = "bot-app", **extra) -> dict:
    response = graph.post(APPS, json={"displayName": name, **extra})
    assert response.status_code == 201, response.text
    return response.json()


# --- applications ----------------------------------------------------------------------------------------
def test_create_application_answers_201_with_the_full_object(emulator, graph):
    response = graph.post(APPS, json={"displayName": "contoso-bot", "signInAudience": "AzureADMyOrg"})
    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("application/json;odata.metadata=minimal")
    assert uuid.UUID(response.headers["request-id"])
    body = response.json()
    assert body["@odata.context"] == f"{emulator.base_url}/v1.0/$metadata#applications/$entity"
    assert uuid.UUID(body["id"]) != uuid.UUID(body["appId"])
    assert body["displayName"] == "contoso-bot" and body["signInAudience"] == "AzureADMyOrg"
    assert body["publisherDomain"] == "contoso.onmicrosoft.com"
    assert body["passwordCredentials"] == [] and body["keyCredentials"] == [] and body["identifierUris"] == []
    assert body["web"]["implicitGrantSettings"] == {
        "enableAccessTokenIssuance": False,
        "enableIdTokenIssuance": False,
    }
    assert body["deletedDateTime"] is None and body["createdDateTime"].endswith("Z")


def test_create_application_defaults_to_the_documented_sign_in_audience(graph):
    assert create_app(graph)["signInAudience"] == "AzureADandPersonalMicrosoftAccount"


@pytest.mark.parametrize(
    "body, phrase",
    [
        ({}, "property 'displayName'"),
        ({"displayName": "x", "signInAudience": "Everyone"}, "property 'signInAudience'"),
        ({"displayName": "x", "passwordCredentials": [{"displayName": "s"}]}, "use addPassword"),
        ({"displayName": "x", "favouriteColour": "blue"}, "Property 'favouriteColour' does not exist"),
    ],
)
def test_create_application_refuses_an_invalid_body(graph, body, phrase):
    assert_graph_error(graph.post(APPS, json=body), 400, "Request_BadRequest", phrase)


def test_an_application_is_found_by_id_by_app_id_and_by_filter(emulator, graph):
    created = create_app(graph)
    by_id = graph.get(f"{APPS}/{created['id']}").json()
    by_app_id = graph.get(f"{APPS}(appId='{created['appId']}')").json()
    assert by_id["appId"] == by_app_id["appId"] == created["appId"]
    listed = graph.get(APPS, params={"$filter": f"appId eq '{created['appId']}'"}).json()
    assert listed["@odata.context"] == f"{emulator.base_url}/v1.0/$metadata#applications"
    assert [a["id"] for a in listed["value"]] == [created["id"]]
    selected = graph.get(f"{APPS}/{created['id']}", params={"$select": "appId,displayName"}).json()
    assert set(selected) == {"@odata.context", "id", "appId", "displayName"}


def test_an_unsupported_filter_is_refused(graph):
    assert_graph_error(
        graph.get(APPS, params={"$filter": "startswith(displayName,'x')"}), 400, "Request_UnsupportedQuery"
    )


def test_upsert_by_unique_name_creates_once_then_updates(graph):
    path = f"{APPS}(uniqueName='contoso-bot-dev')"
    created = graph.patch(path, json={"displayName": "Contoso bot"}, headers={"Prefer": "create-if-missing"})
    assert created.status_code == 201
    assert created.json()["uniqueName"] == "contoso-bot-dev"
    updated = graph.patch(
        path, json={"displayName": "Contoso bot v2"}, headers={"Prefer": "create-if-missing"}
    )
    assert updated.status_code == 204 and updated.content == b""
    listed = graph.get(APPS, params={"$filter": "uniqueName eq 'contoso-bot-dev'"}).json()["value"]
    assert [a["displayName"] for a in listed] == ["Contoso bot v2"]


def test_patch_by_unique_name_without_prefer_is_a_plain_update(graph):
    assert_graph_error(
        graph.patch(f"{APPS}(uniqueName='missing')", json={"displayName": "x"}),
        404,
        "Request_ResourceNotFound",
    )


def test_patch_answers_204_and_changes_the_object(graph):
    created = create_app(graph)
    response = graph.patch(f"{APPS}/{created['id']}", json={"displayName": "renamed", "notes": "n"})
    assert response.status_code == 204 and response.content == b""
    shown = graph.get(f"{APPS}/{created['id']}").json()
    assert (shown["displayName"], shown["notes"]) == ("renamed", "n")


def test_unique_name_cannot_change_once_set(graph):
    created = create_app(graph, uniqueName="first")
    assert_graph_error(
        graph.patch(f"{APPS}/{created['id']}", json={"uniqueName": "second"}),
        400,
        "Request_BadRequest",
        "uniqueName",
    )


def test_identifier_uris_are_unique_in_the_tenant(graph):
    create_app(graph, "one", identifierUris=["api://contoso-bot"])
    error = assert_graph_error(
        graph.post(APPS, json={"displayName": "two", "identifierUris": ["api://contoso-bot"]}),
        400,
        "Request_BadRequest",
        "Another object with the same value for property identifierUris already exists.",
    )
    assert error["details"] == [{"code": "ObjectConflict", "target": "identifierUris"}]


def test_delete_answers_204_then_the_application_and_its_service_principal_are_gone(graph):
    created = create_app(graph)
    assert graph.post(SPS, json={"appId": created["appId"]}).status_code == 201
    assert graph.delete(f"{APPS}/{created['id']}").status_code == 204
    assert_graph_error(
        graph.get(f"{APPS}/{created['id']}"),
        404,
        "Request_ResourceNotFound",
        f"Resource '{created['id']}' does not exist",
    )
    assert_graph_error(graph.get(f"{SPS}(appId='{created['appId']}')"), 404, "Request_ResourceNotFound")


# --- secrets -----------------------------------------------------------------------------------------------
def test_add_password_shows_the_secret_once_and_it_authenticates(emulator, graph):
    created = create_app(graph)
    graph.post(SPS, json={"appId": created["appId"]})
    response = graph.post(
        f"{APPS}(appId='{created['appId']}')/addPassword", json={"passwordCredential": {"displayName": "ci"}}
    )
    assert response.status_code == 200
    secret = response.json()
    assert 16 <= len(secret["secretText"]) <= 64 and secret["hint"] == secret["secretText"][:3]
    assert secret["displayName"] == "ci" and uuid.UUID(secret["keyId"])
    stored = graph.get(f"{APPS}/{created['id']}").json()["passwordCredentials"]
    assert [(p["keyId"], p["secretText"], p["hint"]) for p in stored] == [
        (secret["keyId"], None, secret["hint"])
    ]
    result = msal_app(emulator, secret["secretText"], client_id=created["appId"]).acquire_token_for_client(
        [f"{ARM}/.default"]
    )
    assert "access_token" in result, result


def test_remove_password_revokes_the_secret(emulator, graph):
    created = create_app(graph)
    graph.post(SPS, json={"appId": created["appId"]})
    secret = graph.post(f"{APPS}/{created['id']}/addPassword", json={}).json()
    assert (
        graph.post(f"{APPS}/{created['id']}/removePassword", json={"keyId": secret["keyId"]}).status_code
        == 204
    )
    result = msal_app(emulator, secret["secretText"], client_id=created["appId"]).acquire_token_for_client(
        [f"{ARM}/.default"]
    )
    assert result["error_codes"] == [7000215]
    assert_graph_error(
        graph.post(f"{APPS}/{created['id']}/removePassword", json={"keyId": secret["keyId"]}),
        400,
        "Request_BadRequest",
        "No password credential",
    )


def test_a_certificate_uploaded_with_patch_authenticates(emulator, graph):
    created = create_app(graph)
    graph.post(SPS, json={"appId": created["appId"]})
    certificate = emulator.certificate("uploaded-certificate")
    key = base64.b64encode(certificate.certificate_der).decode()
    response = graph.patch(
        f"{APPS}/{created['id']}",
        json={
            "keyCredentials": [
                {"type": "AsymmetricX509Cert", "usage": "Verify", "key": key, "displayName": "ci"}
            ]
        },
    )
    assert response.status_code == 204
    shown = graph.get(f"{APPS}/{created['id']}").json()["keyCredentials"]
    assert [(k["customKeyIdentifier"], k["key"], k["usage"]) for k in shown] == [
        (certificate.sha1_thumbprint.upper(), None, "Verify")
    ]
    result = msal_app(
        emulator,
        {"private_key": certificate.private_key_pem, "thumbprint": certificate.sha1_thumbprint},
        client_id=created["appId"],
    ).acquire_token_for_client([f"{ARM}/.default"])
    assert "access_token" in result, result
    assert_graph_error(
        graph.patch(f"{APPS}/{created['id']}", json={"keyCredentials": [{"key": "bm90IGEgY2VydA=="}]}),
        400,
        "Request_BadRequest",
        "'key' must be a base64 X.509 certificate",
    )


def test_an_unknown_path_segment_answers_400(graph):
    assert_graph_error(
        graph.get("/v1.0/gadgets"), 400, "BadRequest", "Resource not found for the segment 'gadgets'."
    )


# --- service principals -------------------------------------------------------------------------------------
def test_create_service_principal_answers_201_and_is_found_by_app_id(emulator, graph):
    created = create_app(graph, "contoso-bot")
    response = graph.post(SPS, json={"appId": created["appId"]})
    assert response.status_code == 201
    sp = response.json()
    assert sp["@odata.context"] == f"{emulator.base_url}/v1.0/$metadata#servicePrincipals/$entity"
    assert (sp["appId"], sp["appDisplayName"], sp["accountEnabled"]) == (
        created["appId"],
        "contoso-bot",
        True,
    )
    assert sp["appOwnerOrganizationId"] == TENANT and created["appId"] in sp["servicePrincipalNames"]
    assert graph.get(f"{SPS}(appId='{created['appId']}')").json()["id"] == sp["id"]
    listed = graph.get(SPS, params={"$filter": f"appId eq '{created['appId']}'"}).json()["value"]
    assert [s["id"] for s in listed] == [sp["id"]]
    assert graph.delete(f"{SPS}/{sp['id']}").status_code == 204
    assert_graph_error(graph.get(f"{SPS}/{sp['id']}"), 404, "Request_ResourceNotFound")


def test_a_service_principal_for_an_unknown_app_is_refused(graph):
    unknown = str(uuid.uuid4())
    error = assert_graph_error(
        graph.post(SPS, json={"appId": unknown}),
        400,
        "Request_BadRequest",
        f"The appId '{unknown}' of the service principal does not reference a valid application object.",
    )
    assert error["details"][0]["code"] == "NoBackingApplicationObject"


def test_a_second_service_principal_for_one_app_conflicts(graph):
    created = create_app(graph)
    graph.post(SPS, json={"appId": created["appId"]})
    assert_graph_error(
        graph.post(SPS, json={"appId": created["appId"]}),
        409,
        "Request_MultipleObjectsWithSameKeyValue",
        "already in use",
    )


# --- federated identity credentials -------------------------------------------------------------------------
def fic(
    name: str = "github-main", subject: str = "repo:contoso/bot-handoff:ref:refs/heads/main", **extra
) -> dict:
    return {
        "name": name,
        "issuer": GITHUB_ISSUER,
        "subject": subject,
        "audiences": ["api://AzureADTokenExchange"],
        **extra,
    }


def test_federated_credentials_are_created_listed_read_updated_and_deleted(emulator, graph):
    created = create_app(graph)
    path = f"{APPS}/{created['id']}/federatedIdentityCredentials"
    response = graph.post(path, json=fic(description="CI"))
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("name", "issuer", "subject", "audiences", "description")} == {
        **fic(),
        "description": "CI",
    }
    assert body["@odata.context"].endswith("/federatedIdentityCredentials/$entity") and uuid.UUID(body["id"])
    assert [f["id"] for f in graph.get(path).json()["value"]] == [body["id"]]
    assert graph.get(f"{path}(name='github-main')").json()["id"] == body["id"]
    assert (
        graph.patch(
            f"{path}/{body['id']}", json={"subject": "repo:contoso/bot-handoff:pull_request"}
        ).status_code
        == 204
    )
    assert graph.get(f"{path}/{body['id']}").json()["subject"] == "repo:contoso/bot-handoff:pull_request"
    assert graph.delete(f"{path}/{body['id']}").status_code == 204
    assert_graph_error(graph.get(f"{path}/{body['id']}"), 404, "Request_ResourceNotFound")


def test_a_federated_credential_made_through_graph_authenticates(emulator, graph):
    created = create_app(graph)
    graph.post(SPS, json={"appId": created["appId"]})
    graph.post(f"{APPS}(appId='{created['appId']}')/federatedIdentityCredentials", json=fic())
    github_token = emulator.federated_token("repo:contoso/bot-handoff:ref:refs/heads/main")
    result = msal_app(
        emulator, {"client_assertion": lambda: github_token}, client_id=created["appId"]
    ).acquire_token_for_client([f"{ARM}/.default"])
    assert "access_token" in result, result


@pytest.mark.parametrize(
    "body, status, code, phrase",
    [
        (fic(name="x" * 121), 400, "Request_BadRequest", "up to 120 characters"),
        (fic(name="has space"), 400, "Request_BadRequest", "property 'name'"),
        (
            fic(audiences=["api://AzureADTokenExchange", "api://other"]),
            400,
            "Request_BadRequest",
            "exactly one audience",
        ),
        (fic(subject="s" * 601), 400, "Request_BadRequest", "1 to 600 characters"),
        (
            {"name": "no-issuer", "subject": "s", "audiences": ["a"]},
            400,
            "Request_BadRequest",
            "'issuer' is required",
        ),
    ],
)
def test_a_federated_credential_outside_the_limits_is_refused(graph, body, status, code, phrase):
    created = create_app(graph)
    assert_graph_error(
        graph.post(f"{APPS}/{created['id']}/federatedIdentityCredentials", json=body), status, code, phrase
    )


def test_federated_credentials_are_unique_by_name_and_by_issuer_and_subject(graph):
    path = f"{APPS}/{create_app(graph)['id']}/federatedIdentityCredentials"
    graph.post(path, json=fic())
    assert_graph_error(
        graph.post(path, json=fic(subject="repo:o/r:pull_request")),
        409,
        "Request_MultipleObjectsWithSameKeyValue",
        "FederatedIdentityCredential with name github-main",
    )
    assert_graph_error(
        graph.post(path, json=fic(name="other")),
        400,
        "InvalidFederatedIdentityCredentialValue",
        "The combination of issuer and subject must be unique",
    )


def test_an_application_holds_at_most_twenty_federated_credentials(graph):
    path = f"{APPS}/{create_app(graph)['id']}/federatedIdentityCredentials"
    for n in range(20):
        assert (
            graph.post(path, json=fic(name=f"fic-{n}", subject=f"repo:o/r:environment:e{n}")).status_code
            == 201
        )
    assert_graph_error(
        graph.post(path, json=fic(name="fic-20", subject="repo:o/r:environment:e20")),
        400,
        "Request_BadRequest",
        "maximum of 20",
    )


def test_a_federated_credential_name_is_immutable(graph):
    path = f"{APPS}/{create_app(graph)['id']}/federatedIdentityCredentials"
    created = graph.post(path, json=fic()).json()
    assert_graph_error(
        graph.patch(f"{path}/{created['id']}", json={"name": "renamed"}),
        400,
        "Request_BadRequest",
        "cannot be changed",
    )


# --- authentication and permissions -------------------------------------------------------------------------
def test_a_request_without_a_token_answers_401(emulator):
    response = ApiClient(emulator, None).get(APPS)
    assert_graph_error(response, 401, "InvalidAuthenticationToken", "Access token is empty.")
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_an_expired_token_answers_401(emulator, graph):
    emulator.advance_clock(3600)
    assert_graph_error(graph.get(APPS), 401, "InvalidAuthenticationToken", "Lifetime validation failed")


def test_a_token_for_another_audience_answers_401(emulator):
    assert_graph_error(
        ApiClient(emulator, token(emulator, ARM)).get(APPS),
        401,
        "InvalidAuthenticationToken",
        "Invalid audience",
    )


def test_an_app_without_an_application_role_is_denied(emulator):
    reader = ApiClient(emulator, token(emulator, GRAPH, app_id=READER_APP))
    for response in (reader.get(APPS), reader.post(APPS, json={"displayName": "x"})):
        assert_graph_error(
            response, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
        )


def test_owned_by_changes_only_the_applications_it_owns(emulator, graph):
    emulator.seed(
        {
            "directory": {
                "applications": [
                    {
                        "appId": "12121212-1212-4212-8212-121212121212",
                        "tenantId": TENANT,
                        "displayName": "someone-elses",
                    }
                ]
            }
        }
    )
    assert_graph_error(
        graph.patch(f"{APPS}(appId='12121212-1212-4212-8212-121212121212')", json={"notes": "x"}),
        403,
        "Authorization_RequestDenied",
    )
    assert graph.get(f"{APPS}(appId='12121212-1212-4212-8212-121212121212')").status_code == 200
    owned = create_app(graph)
    assert graph.patch(f"{APPS}/{owned['id']}", json={"notes": "mine"}).status_code == 204


# --- replication lag ----------------------------------------------------------------------------------------
def test_a_new_application_is_not_found_until_replicated(emulator, graph):
    emulator.configure(graph_replication_lag=2)
    created = create_app(graph)
    statuses = [graph.get(f"{APPS}/{created['id']}").status_code for _ in range(3)]
    assert statuses == [404, 404, 200]


def test_a_service_principal_for_a_replicating_app_is_refused_then_created(emulator, graph):
    emulator.configure(graph_replication_lag=1)
    created = create_app(graph)
    assert_graph_error(
        graph.post(SPS, json={"appId": created["appId"]}),
        400,
        "Request_BadRequest",
        "does not reference a valid application object",
    )
    assert graph.post(SPS, json={"appId": created["appId"]}).status_code == 201


def test_an_upsert_during_replication_lag_never_duplicates(emulator, graph):
    emulator.configure(graph_replication_lag=5)
    path = f"{APPS}(uniqueName='retried')"
    assert (
        graph.patch(path, json={"displayName": "a"}, headers={"Prefer": "create-if-missing"}).status_code
        == 201
    )
    assert (
        graph.patch(path, json={"displayName": "a"}, headers={"Prefer": "create-if-missing"}).status_code
        == 204
    )
    apps = [a for a in emulator.state("graph")["applications"] if a["uniqueName"] == "retried"]
    assert len(apps) == 1
