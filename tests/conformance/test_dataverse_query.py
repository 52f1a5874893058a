"""Dataverse query options: $select, $filter, $expand, $orderby, $top, $count and paging (reference §4.2)."""

from __future__ import annotations

import pytest

from emulator.dataverse.testing import (
    AVERY,
    BLAKE,
    BOT_ESCALATIONS,
    CASEY,
    CONTOSO_CHAT,
    OC_AGENT,
    PARTNER_BOT_USER,
    ROOT_BU,
    DataverseClient,
    error_of,
)


@pytest.fixture
def dv(emulator):
    client = DataverseClient(emulator)
    yield client
    client.close()


def _values(dv, path, **kwargs):
    response = dv.get(path, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["value"]


def test_select_returns_only_the_selected_columns_and_the_key(dv):
    rows = _values(dv, "queues?$select=name")
    assert {frozenset(r) for r in rows} == {frozenset({"@odata.etag", "queueid", "name"})}


def test_select_of_an_unknown_column_answers_could_not_find_a_property(dv):
    response = dv.get("systemusers?$select=msdyn_agenttype")
    assert response.status_code == 400
    assert error_of(response) == (
        "0x0",
        "Could not find a property named 'msdyn_agenttype' on type 'Microsoft.Dynamics.CRM.systemuser'.",
    )


def test_filter_on_null_lookup_finds_the_root_business_unit(dv):
    rows = _values(dv, "businessunits?$select=name&$filter=_parentbusinessunitid_value eq null")
    assert [r["businessunitid"] for r in rows] == [ROOT_BU]


def test_filter_combines_string_guid_int_and_bool_literals(dv):
    path = (
        f"systemusers?$select=fullname&$filter=(msdyn_capacity lt 50 or msdyn_capacity eq 80) and "
        f"isdisabled eq false and _businessunitid_value eq {ROOT_BU} and not (lastname eq 'Bot')"
    )
    assert {r["fullname"] for r in _values(dv, path)} == {"Avery Agent", "Casey Supervisor"}


def test_filter_ne_and_string_comparison_ignore_case(dv):
    rows = _values(
        dv, f"roles?$select=name&$filter=name eq 'omnichannel AGENT' and _businessunitid_value eq {ROOT_BU}"
    )
    assert [r["roleid"] for r in rows] == [OC_AGENT]
    others = _values(dv, f"roles?$select=name&$filter=_businessunitid_value ne {ROOT_BU}")
    assert {r["name"] for r in others} == {"System Administrator", "Basic User", "Omnichannel agent"}


def test_filter_functions_contains_and_startswith(dv):
    chat = _values(dv, "queues?$select=name&$filter=contains(name,'chat')")
    assert {r["name"] for r in chat} == {"Tier 2 chat"}
    assert {
        r["msdyn_name"]
        for r in _values(
            dv, "msdyn_liveworkstreams?$select=msdyn_name&$filter=startswith(msdyn_name,'contoso')"
        )
    } == {"Contoso chat", "Contoso pick"}


def test_filter_on_the_camel_case_bot_column(dv):
    rows = _values(dv, "systemusers?$select=fullname,msdyn_agentType&$filter=msdyn_agentType eq 192350001")
    assert [r["systemuserid"] for r in rows] == [PARTNER_BOT_USER]


def test_filter_with_incompatible_operand_types_answers_400(dv):
    response = dv.get("roles?$filter=_businessunitid_value eq 'not-a-guid'")
    assert response.status_code == 400
    assert error_of(response) == (
        "0x0",
        "A binary operator with incompatible types was detected. Found operand types 'Edm.Guid' and "
        "'Edm.String' for operator kind 'Equal'.",
    )


def test_filter_on_an_unknown_column_answers_could_not_find_a_property(dv):
    response = dv.get("queues?$filter=Name eq 'x'")
    assert response.status_code == 400
    assert error_of(response)[1] == (
        "Could not find a property named 'Name' on type 'Microsoft.Dynamics.CRM.queue'."
    )


def test_filter_syntax_error_answers_400(dv):
    response = dv.get("queues?$filter=name eq")
    assert response.status_code == 400 and error_of(response)[0] == "0x0"


def test_expand_single_valued_lookup_with_nested_select(dv):
    row = dv.get(
        "msdyn_liveworkstreams?$select=msdyn_name&$filter=msdyn_name eq 'Partner chat'"
        "&$expand=msdyn_bot_user($select=fullname,msdyn_botapplicationid)"
    ).json()["value"][0]
    assert row["msdyn_bot_user"]["systemuserid"] == PARTNER_BOT_USER
    assert set(row["msdyn_bot_user"]) == {"@odata.etag", "systemuserid", "fullname", "msdyn_botapplicationid"}
    chat = dv.get(f"msdyn_liveworkstreams({CONTOSO_CHAT})?$expand=msdyn_bot_user").json()
    assert chat["msdyn_bot_user"] is None


def test_expand_n_to_n_collection_with_nested_options(dv):
    queue = dv.get(
        f"queues({BOT_ESCALATIONS})?$select=name&$expand=queuemembership_association("
        "$select=fullname,msdyn_capacity;$orderby=msdyn_capacity desc)"
    ).json()
    assert [m["systemuserid"] for m in queue["queuemembership_association"]] == [BLAKE, AVERY]
    assert queue["@odata.context"].endswith(
        "$metadata#queues(name,queuemembership_association(fullname,msdyn_capacity))/$entity"
    )


def test_expand_of_an_unknown_navigation_property_answers_400(dv):
    response = dv.get("msdyn_liveworkstreams?$expand=msdyn_Bot_User")
    assert response.status_code == 400 and "msdyn_Bot_User" in error_of(response)[1]


def test_orderby_top_and_count(dv):
    body = dv.get(
        "systemusers?$select=fullname,msdyn_capacity&$filter=msdyn_capacity ne null"
        "&$orderby=msdyn_capacity desc,fullname&$top=3&$count=true"
    ).json()
    assert [r["systemuserid"] for r in body["value"]] == [PARTNER_BOT_USER, CASEY, BLAKE]
    assert body["@odata.count"] == 4  # $count ignores $top


def test_paging_follows_next_link_until_absent(dv):
    seen, url, pages = [], "roles?$select=name&$count=true", 0
    while url and pages < 10:
        response = dv.get(url, headers={"Prefer": "odata.maxpagesize=4"})
        assert response.headers["Preference-Applied"] == "odata.maxpagesize=4"
        body = response.json()
        assert len(body["value"]) <= 4 and body["@odata.count"] == 9
        seen += [r["roleid"] for r in body["value"]]
        url, pages = body.get("@odata.nextLink"), pages + 1
    assert pages == 3 and len(seen) == len(set(seen)) == 9
    first_page = dv.get("roles", headers={"Prefer": "odata.maxpagesize=4"}).json()
    assert "$skiptoken=" in first_page["@odata.nextLink"]


def test_an_edited_skiptoken_answers_400(dv):
    response = dv.get("roles?$skiptoken=page2")
    assert response.status_code == 400 and error_of(response)[0] == "0x0"


def test_collection_navigation_reads_memberships_both_ways(dv):
    members = _values(dv, f"queues({BOT_ESCALATIONS})/queuemembership_association?$select=fullname")
    assert {m["systemuserid"] for m in members} == {AVERY, BLAKE}
    queues = _values(dv, f"systemusers({PARTNER_BOT_USER})/queuemembership_association?$select=name")
    assert [q["name"] for q in queues] == ["Tier 2 chat"]


def test_single_valued_navigation_answers_the_record_or_204(dv):
    partner = dv.get(f"msdyn_liveworkstreams({CONTOSO_CHAT})/msdyn_defaultqueue?$select=name")
    assert partner.status_code == 200 and partner.json()["name"] == "Bot escalations"
    assert dv.get(f"msdyn_liveworkstreams({CONTOSO_CHAT})/msdyn_bot_user").status_code == 204


def test_unsupported_query_option_answers_400(dv):
    response = dv.get("queues?$search=chat")
    assert response.status_code == 400 and "$search" in error_of(response)[1]
