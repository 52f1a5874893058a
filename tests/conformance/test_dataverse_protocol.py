"""Dataverse Web API protocol conformance: OData headers, create/update/upsert/delete answers, conditional
requests, error bodies and their annotations (reference §4.1-§4.3)."""

from __future__ import annotations

import re

import pytest

from emulator.dataverse.testing import (
    CONTOSO_CHAT,
    DEPLOYER_USER,
    ROOT_BU,
    DataverseClient,
    dev_id,
    error_of,
)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def dv(emulator):
    client = DataverseClient(emulator)
    yield client
    client.close()


def _new_queue(dv, name="Overflow chat", **headers):
    return dv.post(
        "queues",
        {"name": name, "msdyn_isomnichannelqueue": True, "msdyn_queuetype": 192350000, "msdyn_priority": 3},
        headers=headers,
    )


def test_create_answers_204_with_odata_entity_id(dv):
    response = _new_queue(dv)
    assert response.status_code == 204
    assert response.headers["OData-Version"] == "4.0"
    assert re.fullmatch(
        rf"https://127\.0\.0\.1:\d+/api/data/v9\.2/queues\({UUID}\)", response.headers["OData-EntityId"]
    )
    assert response.content == b""


def test_create_with_return_representation_answers_201_with_the_record(dv):
    response = dv.post(
        "queues?$select=name,msdyn_priority",
        {"name": "Overflow chat", "msdyn_priority": 3},
        headers={"Prefer": "return=representation"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["@odata.context"].endswith("/api/data/v9.2/$metadata#queues(name,msdyn_priority)/$entity")
    assert re.fullmatch(r'W/"\d+"', body["@odata.etag"])
    assert set(body) == {"@odata.context", "@odata.etag", "queueid", "name", "msdyn_priority"}
    assert response.headers["Preference-Applied"] == "return=representation"
    assert "OData-EntityId" not in response.headers


def test_single_get_carries_etag_header_and_context(dv):
    response = dv.get(f"businessunits({ROOT_BU})?$select=name")
    assert response.status_code == 200
    body = response.json()
    assert response.headers["ETag"] == body["@odata.etag"]
    assert body["@odata.context"].endswith("$metadata#businessunits(name)/$entity")
    assert body["name"] == "contoso-dev" and body["businessunitid"] == ROOT_BU
    assert response.headers["Content-Type"].startswith("application/json")


def test_get_with_current_etag_in_if_none_match_answers_304(dv):
    etag = dv.get(f"businessunits({ROOT_BU})").headers["ETag"]
    assert dv.get(f"businessunits({ROOT_BU})", headers={"If-None-Match": etag}).status_code == 304
    assert dv.get(f"businessunits({ROOT_BU})", headers={"If-None-Match": 'W/"1"'}).status_code == 200


def test_patch_updates_and_answers_204_or_200_with_representation(dv):
    queue_url = _new_queue(dv).headers["OData-EntityId"]
    assert dv.patch(queue_url, {"msdyn_priority": 5}).status_code == 204
    response = dv.patch(
        queue_url + "?$select=msdyn_priority",
        {"msdyn_priority": 6},
        headers={"Prefer": "return=representation"},
    )
    assert response.status_code == 200
    assert response.json()["msdyn_priority"] == 6


def test_patch_of_a_missing_id_creates_the_row_upsert(dv):
    new_id = "0f0f0f0f-0000-4000-8000-000000000001"
    response = dv.patch(f"queues({new_id})", {"name": "Upserted"})
    assert response.status_code == 204
    assert response.headers["OData-EntityId"].endswith(f"/queues({new_id})")
    assert dv.get(f"queues({new_id})?$select=name").json()["name"] == "Upserted"


def test_patch_with_if_match_star_does_not_create(dv):
    missing = "0f0f0f0f-0000-4000-8000-000000000002"
    response = dv.patch(f"queues({missing})", {"name": "Nope"}, headers={"If-Match": "*"})
    assert response.status_code == 404
    assert error_of(response) == ("0x80040217", f"queue With Id = {missing} Does Not Exist")


def test_patch_with_if_none_match_star_does_not_update(dv):
    response = dv.patch(
        f"msdyn_liveworkstreams({CONTOSO_CHAT})", {"msdyn_name": "x"}, headers={"If-None-Match": "*"}
    )
    assert response.status_code == 412
    assert error_of(response) == ("0x80040237", "A record with matching key values already exists.")


def test_stale_etag_answers_412_on_update_and_delete(dv):
    queue_url = _new_queue(dv).headers["OData-EntityId"]
    stale = dv.get(queue_url).headers["ETag"]
    dv.patch(queue_url, {"msdyn_priority": 9})
    for response in (
        dv.patch(queue_url, {"msdyn_priority": 1}, headers={"If-Match": stale}),
        dv.delete(queue_url, headers={"If-Match": stale}),
    ):
        assert response.status_code == 412
        assert error_of(response) == (
            "0x80060882",
            "The version of the existing record doesn't match the RowVersion property provided.",
        )
    current = dv.get(queue_url).headers["ETag"]
    assert dv.delete(queue_url, headers={"If-Match": current}).status_code == 204


def test_delete_answers_204_then_the_record_is_gone(dv):
    queue_url = _new_queue(dv).headers["OData-EntityId"]
    assert dv.delete(queue_url).status_code == 204
    response = dv.get(queue_url)
    assert response.status_code == 404 and error_of(response)[0] == "0x80040217"


def test_who_am_i_answers_the_caller_business_unit_and_organization(dv):
    for path in ("WhoAmI", "WhoAmI()"):
        body = dv.get(path).json()
        assert body["@odata.context"].endswith("$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse")
        assert (body["UserId"], body["BusinessUnitId"], body["OrganizationId"]) == (
            DEPLOYER_USER,
            ROOT_BU,
            dev_id("01", 1),
        )


def test_posting_to_a_function_answers_no_http_resource(dv):
    response = dv.post("WhoAmI", {})
    assert response.status_code == 404
    assert error_of(response) == (
        "",
        f"No HTTP resource was found that matches the request URI '{dv.base}WhoAmI'.",
    )


def test_unknown_entity_set_answers_resource_not_found_for_the_segment(dv):
    response = dv.get("Account")
    assert response.status_code == 404
    assert error_of(response) == ("0x8006088a", "Resource not found for the segment 'Account'.")


def test_unknown_property_in_body_answers_invalid_property(dv):
    response = dv.post("queues", {"Name": "Wrong case"})
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == "0x0"
    assert "Invalid property 'Name' was found in entity 'Microsoft.Dynamics.CRM.queue'" in message


def test_error_annotations_appear_only_when_asked(dv):
    plain = dv.get("queues(0f0f0f0f-0000-4000-8000-00000000000f)").json()["error"]
    assert set(plain) == {"code", "message"}
    annotated = dv.get(
        "queues(0f0f0f0f-0000-4000-8000-00000000000f)", headers={"Prefer": 'odata.include-annotations="*"'}
    ).json()["error"]
    assert annotated["@Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionMessageName"] == "ObjectDoesNotExist"
    assert annotated["@Microsoft.PowerApps.CDS.HelpLink"].endswith("%3a80040217&client=platform")


def test_lookup_annotations_appear_only_when_asked(dv):
    plain = dv.get(f"roles?$select=name&$filter=_businessunitid_value eq {ROOT_BU}").json()["value"][0]
    assert not [k for k in plain if "@Microsoft" in k or "@OData" in k]
    annotated = dv.get(
        "roles?$select=_businessunitid_value&$top=1", headers={"Prefer": 'odata.include-annotations="*"'}
    ).json()["value"][0]
    assert annotated["_businessunitid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "businessunit"
    navigation = annotated["_businessunitid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"]
    assert navigation == "businessunitid"
    assert annotated["_businessunitid_value@OData.Community.Display.V1.FormattedValue"] == "contoso-dev"


def test_invalid_key_answers_a_400(dv):
    response = dv.get("queues(not-a-guid)")
    assert response.status_code == 400 and error_of(response)[0] == "0x0"


def test_service_document_lists_entity_sets(dv):
    names = {item["name"] for item in dv.get("").json()["value"]}
    assert {
        "systemusers",
        "roles",
        "queues",
        "msdyn_liveworkstreams",
        "bots",
        "solutions",
        "queuememberships",
    } <= names
