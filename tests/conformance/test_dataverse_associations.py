"""N:N associations through `$ref` (systemuserroles_association, queuemembership_association), the
queuememberships intersect set, and single-valued `$ref` (reference §4.2, §5.2, §5.3)."""

from __future__ import annotations

import pytest

from emulator.dataverse.testing import (
    AVERY,
    BASIC_USER,
    BLAKE,
    BOT_ESCALATIONS,
    CONTOSO_CHAT,
    DEV_BOT_APP,
    OC_AGENT,
    PARTNER_BOT_USER,
    ROOT_BU,
    SUPPORT_OC_AGENT,
    TIER2_CHAT,
    DataverseClient,
    error_of,
)


@pytest.fixture
def dv(emulator):
    client = DataverseClient(emulator)
    yield client
    client.close()


@pytest.fixture
def bot_user(dv):
    body = {
        "applicationid": DEV_BOT_APP,
        "firstname": "Contoso",
        "lastname": "Bot",
        "msdyn_agentType": 192350001,
        "businessunitid@odata.bind": f"/businessunits({ROOT_BU})",
    }
    return dv.post("systemusers", body, headers={"Prefer": "return=representation"}).json()["systemuserid"]


def _role_names(dv, user_id):
    roles = dv.get(f"systemusers({user_id})/systemuserroles_association?$select=name").json()["value"]
    return sorted(r["name"] for r in roles)


def _associate_role(dv, user_id, role_id):
    return dv.post(
        f"systemusers({user_id})/systemuserroles_association/$ref", {"@odata.id": f"roles({role_id})"}
    )


def test_associate_role_with_an_absolute_odata_id(dv, bot_user):
    response = dv.post(
        f"systemusers({bot_user})/systemuserroles_association/$ref",
        {"@odata.id": f"https://contoso-dev.crm.dynamics.com/api/data/v9.2/roles({OC_AGENT})"},
    )
    assert response.status_code == 204 and response.content == b""
    assert _role_names(dv, bot_user) == ["Omnichannel agent"]


def test_associate_from_the_other_side_with_a_relative_odata_id(dv, bot_user):
    response = dv.post(
        f"roles({OC_AGENT})/systemuserroles_association/$ref", {"@odata.id": f"/systemusers({bot_user})"}
    )
    assert response.status_code == 204
    members = dv.get(f"roles({OC_AGENT})/systemuserroles_association?$select=fullname").json()["value"]
    assert bot_user in {m["systemuserid"] for m in members}
    assert _role_names(dv, bot_user) == ["Omnichannel agent"]


def test_an_already_associated_pair_answers_duplicate_record(dv, bot_user):
    assert _associate_role(dv, bot_user, OC_AGENT).status_code == 204
    response = _associate_role(dv, bot_user, OC_AGENT)
    assert response.status_code == 412
    assert error_of(response) == ("0x80040237", "Cannot insert duplicate key.")


def test_a_role_of_another_business_unit_answers_user_in_wrong_business(dv, bot_user):
    response = _associate_role(dv, bot_user, SUPPORT_OC_AGENT)
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == "0x80041409"
    assert message.startswith(
        "Cannot associate security role because the security role's Business Unit is "
        "not the same as the user's Business Unit."
    )
    assert f"userid={bot_user}" in message and f"roleId={SUPPORT_OC_AGENT}" in message


def test_disassociate_by_key_and_by_id_query(dv, bot_user):
    for role_id in (OC_AGENT, BASIC_USER):
        _associate_role(dv, bot_user, role_id)
    roles = f"systemusers({bot_user})/systemuserroles_association"
    assert dv.delete(f"{roles}({OC_AGENT})/$ref").status_code == 204
    assert _role_names(dv, bot_user) == ["Basic User"]
    response = dv.delete(f"{roles}/$ref", params={"$id": f"{dv.base}roles({BASIC_USER})"})
    assert response.status_code == 204
    assert _role_names(dv, bot_user) == []


def test_associate_with_a_missing_record_answers_does_not_exist(dv, bot_user):
    missing = "0f0f0f0f-0000-4000-8000-000000000009"
    response = _associate_role(dv, bot_user, missing)
    assert response.status_code == 404
    assert error_of(response) == ("0x80040217", f"role With Id = {missing} Does Not Exist")


def test_associate_with_a_record_of_the_wrong_table_answers_400(dv, bot_user):
    response = dv.post(
        f"systemusers({bot_user})/systemuserroles_association/$ref",
        {"@odata.id": f"queues({BOT_ESCALATIONS})"},
    )
    assert response.status_code == 400 and error_of(response)[0] == "0x80048d19"


def test_queue_membership_reads_back_both_ways_and_through_the_intersect_set(dv, bot_user):
    assert (
        dv.post(
            f"queues({BOT_ESCALATIONS})/queuemembership_association/$ref",
            {"@odata.id": f"systemusers({bot_user})"},
        ).status_code
        == 204
    )
    members = dv.get(f"queues({BOT_ESCALATIONS})/queuemembership_association?$select=fullname").json()
    members = members["value"]
    assert {m["systemuserid"] for m in members} == {AVERY, BLAKE, bot_user}
    queues = dv.get(f"systemusers({bot_user})/queuemembership_association?$select=name").json()["value"]
    assert [q["name"] for q in queues] == ["Bot escalations"]
    rows = dv.get(f"queuememberships?$select=queueid,systemuserid&$filter=systemuserid eq {bot_user}").json()
    assert [(r["queueid"], r["systemuserid"]) for r in rows["value"]] == [(BOT_ESCALATIONS, bot_user)]
    assert rows["@odata.context"].endswith("$metadata#queuememberships(queueid,systemuserid)")


def test_the_intersect_set_is_read_only(dv):
    response = dv.post("queuememberships", {"queueid": TIER2_CHAT, "systemuserid": AVERY})
    assert response.status_code == 400
    assert error_of(response)[1].startswith(
        "The 'Create' method does not support entities of type 'queuemembership'."
    )


def test_single_valued_ref_sets_and_clears_a_lookup(dv):
    url = f"msdyn_liveworkstreams({CONTOSO_CHAT})"
    reference = {"@odata.id": f"systemusers({PARTNER_BOT_USER})"}
    assert dv.put(f"{url}/msdyn_bot_user/$ref", reference).status_code == 204
    assert dv.get(f"{url}?$select=_msdyn_bot_user_value").json()["_msdyn_bot_user_value"] == PARTNER_BOT_USER
    assert dv.delete(f"{url}/msdyn_bot_user/$ref").status_code == 204
    assert dv.get(f"{url}?$select=_msdyn_bot_user_value").json()["_msdyn_bot_user_value"] is None


def test_clearing_a_lookup_through_a_null_bind(dv):
    url = "msdyn_liveworkstreams(a1500000-0000-4000-8000-000000000003)"
    assert dv.patch(url, {"msdyn_bot_user@odata.bind": None}).status_code == 204
    assert dv.get(f"{url}?$select=_msdyn_bot_user_value").json()["_msdyn_bot_user_value"] is None


def test_ref_body_without_odata_id_answers_400(dv, bot_user):
    response = dv.post(f"systemusers({bot_user})/systemuserroles_association/$ref", {"id": OC_AGENT})
    assert response.status_code == 400 and error_of(response)[0] == "0x80048d19"


def test_an_unknown_navigation_property_answers_resource_not_found(dv, bot_user):
    response = dv.post(
        f"systemusers({bot_user})/SystemUserRoles_Association/$ref", {"@odata.id": f"roles({OC_AGENT})"}
    )
    assert response.status_code == 404
    assert error_of(response) == (
        "0x8006088a",
        "Resource not found for the segment 'SystemUserRoles_Association'.",
    )
