"""The emulated tables and their rules: business units, roles, application and bot users, workstreams,
context variables, solutions; the default fixture; the drift a portal click can cause (reference §5)."""

from __future__ import annotations

import pytest

from emulator.dataverse.testing import (
    CONTOSO_CHAT,
    CONTOSO_PICK,
    CUSTOMER_TIER_VARIABLE,
    DEPLOYER_APP,
    DEV,
    DEV_BOT_APP,
    PARTNER_BOT_USER,
    PARTNER_CHAT,
    PROD,
    PROD_BOT_APP,
    ROOT_BU,
    SANDBOX,
    DataverseClient,
    error_of,
)


@pytest.fixture
def dv(emulator):
    client = DataverseClient(emulator)
    yield client
    client.close()


def _bot_user(app_id=DEV_BOT_APP, **extra):
    """The bot application user as reference §5.2 creates it."""
    return {
        "applicationid": app_id,
        "businessunitid@odata.bind": f"/businessunits({ROOT_BU})",
        "firstname": "Contoso",
        "lastname": "Bot",
        "internalemailaddress": "contoso-bot@contoso.com",
        "msdyn_agentType": 192350001,
        "msdyn_botapplicationid": app_id,
        "msdyn_botprovider": 192350000,
        "msdyn_usertype": 192350001,
        "msdyn_capacity": 100,
        **extra,
    }


def _create_bot_user(dv) -> str:
    response = dv.post("systemusers", _bot_user(), headers={"Prefer": "return=representation"})
    assert response.status_code == 201, response.text
    return response.json()["systemuserid"]


def test_each_business_unit_has_its_own_copy_of_the_roles(dv):
    roles = dv.get(f"roles?$select=name&$filter=_businessunitid_value eq {ROOT_BU}").json()["value"]
    assert sorted(r["name"] for r in roles) == [
        "Basic User",
        "Bot Author",
        "Omnichannel administrator",
        "Omnichannel agent",
        "Omnichannel supervisor",
        "System Administrator",
    ]
    agents = dv.get("roles?$filter=name eq 'Omnichannel agent'").json()["value"]
    assert len(agents) == 2 and len({r["_businessunitid_value"] for r in agents}) == 2


def test_the_fixture_has_no_bot_user_for_the_bot_app_ids(dv):
    for client, app_id in ((dv, DEV_BOT_APP), (dv.as_app(DEPLOYER_APP, PROD), PROD_BOT_APP)):
        assert client.get(f"systemusers?$filter=applicationid eq {app_id}").json()["value"] == []


def test_create_bot_application_user_reads_back_the_bot_columns(dv):
    response = dv.post("systemusers", _bot_user(), headers={"Prefer": "return=representation"})
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["msdyn_agentType"] == 192350001 and user["msdyn_botapplicationid"] == DEV_BOT_APP
    assert (user["msdyn_usertype"], user["msdyn_capacity"], user["isdisabled"]) == (192350001, 100, False)
    assert user["_businessunitid_value"] == ROOT_BU and user["fullname"] == "Contoso Bot"
    assert user["accessmode"] == 4  # an application user is non-interactive


def test_an_app_id_already_used_answers_duplicate_application_user(dv):
    assert dv.post("systemusers", _bot_user()).status_code == 204
    response = dv.post("systemusers", _bot_user(app_id=DEV_BOT_APP.upper()))
    assert response.status_code == 400
    assert error_of(response) == (
        "0x8004F511",
        f"You are attempting to create an Application ID = {DEV_BOT_APP.upper()} that already exists.",
    )


def test_the_same_app_id_may_exist_in_another_environment(dv):
    assert dv.post("systemusers", _bot_user()).status_code == 204
    prod = dv.as_app(DEPLOYER_APP, PROD)
    body = _bot_user() | {"businessunitid@odata.bind": "/businessunits(b1100000-0000-4000-8000-000000000001)"}
    assert prod.post("systemusers", body).status_code == 204


def test_a_user_without_business_unit_answers_required_field_missing(dv):
    body = _bot_user()
    del body["businessunitid@odata.bind"]
    response = dv.post("systemusers", body)
    assert response.status_code == 400
    assert error_of(response)[0] == "0x80040200" and "'businessunitid'" in error_of(response)[1]


def test_an_option_outside_the_option_set_answers_out_of_range(dv):
    response = dv.post("systemusers", _bot_user(msdyn_agentType=1))
    assert response.status_code == 400
    assert error_of(response) == (
        "0x8004431a",
        "A validation error occurred. The value 1 of 'msdyn_agentType' on record of type "
        "'systemuser' is outside the valid range. Accepted Values: 192350000,192350001",
    )


def test_a_value_of_the_wrong_type_answers_400(dv):
    response = dv.post("systemusers", _bot_user(msdyn_capacity="100"))
    assert response.status_code == 400 and "Edm.Int32" in error_of(response)[1]


def test_the_app_id_of_an_application_user_cannot_change(dv):
    url = dv.post("systemusers", _bot_user()).headers["OData-EntityId"]
    response = dv.patch(url, {"applicationid": "99999999-9999-4999-8999-999999999999"})
    assert response.status_code == 400
    assert error_of(response) == (
        "0x80041d48",
        "The user representing an OAuth application cannot not be updated",
    )
    assert dv.patch(url, {"msdyn_capacity": 120, "msdyn_botprovider": 192350001}).status_code == 204


def test_a_user_delete_soft_deletes_first_and_purges_on_the_second(dv):
    # Reference Corrections 5 [C: Microsoft's Terraform provider disables, then deletes twice].
    assert dv.delete(f"systemusers({PARTNER_BOT_USER})").status_code == 204
    row = dv.get(f"systemusers({PARTNER_BOT_USER})", params={"$select": "deletedstate,isdisabled"}).json()
    assert (row["deletedstate"], row["isdisabled"]) == (1, True)
    assert dv.delete(f"systemusers({PARTNER_BOT_USER})").status_code == 204
    assert dv.get(f"systemusers({PARTNER_BOT_USER})").status_code == 404


def test_a_seeded_bot_user_can_be_found_for_adoption(emulator, dv):
    emulator.seed(
        {
            "dataverse": {
                "environments": [
                    {
                        "url": DEV,
                        "tables": {
                            "systemusers": [
                                {
                                    "systemuserid": "a1300000-0000-4000-8000-000000000044",
                                    "applicationid": DEV_BOT_APP,
                                    "firstname": "Contoso",
                                    "lastname": "Bot",
                                    "msdyn_agentType": 192350001,
                                    "msdyn_botapplicationid": DEV_BOT_APP,
                                    "_businessunitid_value": ROOT_BU,
                                }
                            ]
                        },
                    }
                ]
            }
        }
    )
    found = dv.get(f"systemusers?$select=systemuserid&$filter=applicationid eq {DEV_BOT_APP}").json()["value"]
    assert [u["systemuserid"] for u in found] == ["a1300000-0000-4000-8000-000000000044"]
    assert error_of(dv.post("systemusers", _bot_user()))[0] == "0x8004F511"


def test_a_broken_fixture_fails_loudly(emulator):
    with pytest.raises(ValueError, match="unknown column 'msdyn_agenttype'"):
        emulator.seed(
            {
                "dataverse": {
                    "environments": [
                        {
                            "url": DEV,
                            "tables": {
                                "systemusers": [
                                    {
                                        "applicationid": DEV_BOT_APP,
                                        "msdyn_agenttype": 192350001,
                                        "_businessunitid_value": ROOT_BU,
                                    }
                                ]
                            },
                        }
                    ]
                }
            }
        )
    with pytest.raises(ValueError, match="missing businessunit"):
        emulator.seed(
            {
                "dataverse": {
                    "environments": [
                        {
                            "url": DEV,
                            "tables": {
                                "roles": [
                                    {
                                        "name": "Orphan",
                                        "_businessunitid_value": "00000000-0000-4000-8000-000000000000",
                                    }
                                ]
                            },
                        }
                    ]
                }
            }
        )


def test_workstream_bot_user_binds_through_the_case_sensitive_navigation_property(dv):
    user_id = _create_bot_user(dv)
    url = f"msdyn_liveworkstreams({CONTOSO_CHAT})"
    assert dv.patch(url, {"msdyn_bot_user@odata.bind": f"/systemusers({user_id})"}).status_code == 204
    assert dv.get(url + "?$select=_msdyn_bot_user_value").json()["_msdyn_bot_user_value"] == user_id
    response = dv.patch(url, {"msdyn_Bot_User@odata.bind": f"/systemusers({user_id})"})
    assert response.status_code == 400
    assert error_of(response)[0] == "0x80048d19"
    assert (
        "An undeclared property 'msdyn_Bot_User' which only has property annotations"
        in (error_of(response)[1])
    )


def test_binding_to_a_missing_record_answers_does_not_exist(dv):
    missing = "0f0f0f0f-0000-4000-8000-000000000003"
    response = dv.patch(
        f"msdyn_liveworkstreams({CONTOSO_CHAT})", {"msdyn_bot_user@odata.bind": f"/systemusers({missing})"}
    )
    assert response.status_code == 404
    assert error_of(response) == ("0x80040217", f"systemuser With Id = {missing} Does Not Exist")


def test_workstreams_carry_their_distribution_mode(dv):
    rows = dv.get(
        "msdyn_liveworkstreams?$select=msdyn_name,msdyn_workdistributionmode,_msdyn_bot_user_value"
    ).json()["value"]
    modes = {w["msdyn_name"]: (w["msdyn_workdistributionmode"], w["_msdyn_bot_user_value"]) for w in rows}
    assert modes == {
        "Contoso chat": (192350000, None),
        "Contoso pick": (192350001, None),
        "Partner chat": (192350000, PARTNER_BOT_USER),
    }


def test_context_variables_declare_a_type_per_workstream(dv):
    body = {
        "msdyn_name": "OrderNumber",
        "msdyn_datatype": 192350001,
        "msdyn_liveworkstreamid@odata.bind": f"/msdyn_liveworkstreams({CONTOSO_CHAT})",
    }
    assert dv.post("msdyn_ocliveworkstreamcontextvariables", body).status_code == 204
    again = dv.post("msdyn_ocliveworkstreamcontextvariables", body)
    assert again.status_code == 412 and error_of(again)[0] == "0x80040237"
    other = body | {"msdyn_liveworkstreamid@odata.bind": f"/msdyn_liveworkstreams({CONTOSO_PICK})"}
    assert dv.post("msdyn_ocliveworkstreamcontextvariables", other).status_code == 204
    bad = dv.post("msdyn_ocliveworkstreamcontextvariables", body | {"msdyn_name": "X", "msdyn_datatype": 3})
    assert bad.status_code == 400 and "192350000,192350001,192350002,192350100" in error_of(bad)[1]
    rows = dv.get(
        "msdyn_ocliveworkstreamcontextvariables?$select=msdyn_name,msdyn_datatype,"
        f"msdyn_issystemdefined&$filter=_msdyn_liveworkstreamid_value eq {CONTOSO_CHAT}"
        "&$orderby=msdyn_name"
    ).json()["value"]
    assert [(r["msdyn_name"], r["msdyn_datatype"], r["msdyn_issystemdefined"]) for r in rows] == [
        ("CustomerTier", 192350000, False),
        ("Locale", 192350000, True),
        ("OrderNumber", 192350001, False),
    ]


def test_deleting_a_workstream_deletes_its_context_variables(dv):
    assert dv.delete(f"msdyn_liveworkstreams({PARTNER_CHAT})").status_code == 204
    assert (
        dv.get(
            f"msdyn_ocliveworkstreamcontextvariables?$filter=_msdyn_liveworkstreamid_value eq {PARTNER_CHAT}"
        ).json()["value"]
        == []
    )


def test_solutions_tell_whether_the_omnichannel_extensions_are_installed(dv):
    query = (
        "solutions?$select=uniquename,ismanaged&$filter=uniquename eq 'msdyn_OmnichannelBase' or "
        "uniquename eq 'OmnichannelPVAExtension'"
    )
    assert {s["uniquename"] for s in dv.get(query).json()["value"]} == {
        "msdyn_OmnichannelBase",
        "OmnichannelPVAExtension",
    }
    sandbox = dv.as_app(DEPLOYER_APP, SANDBOX)
    assert sandbox.get(query).json()["value"] == []


def test_omnichannel_tables_do_not_exist_without_the_omnichannel_solution(dv):
    sandbox = dv.as_app(DEPLOYER_APP, SANDBOX)
    response = sandbox.get("msdyn_liveworkstreams")
    assert response.status_code == 404
    assert error_of(response) == ("0x8006088a", "Resource not found for the segment 'msdyn_liveworkstreams'.")
    assert sandbox.get("bots?$select=schemaname").status_code == 200


def test_portal_drift_is_reproducible_through_the_api(dv):
    """Every change a portal click can make: bot off its queue, another bot on the workstream, a role
    removed, the bot user disabled, a context variable deleted."""
    user_id = _create_bot_user(dv)
    role = dv.get("roles?$filter=name eq 'Omnichannel agent'&$orderby=_businessunitid_value").json()["value"]
    role_id = next(r["roleid"] for r in role if r["_businessunitid_value"] == ROOT_BU)
    assert (
        dv.post(
            f"systemusers({user_id})/systemuserroles_association/$ref",
            {"@odata.id": f"{dv.base}roles({role_id})"},
        ).status_code
        == 204
    )
    queue_ref = "queues(a1400000-0000-4000-8000-000000000001)"
    assert (
        dv.post(
            f"{queue_ref}/queuemembership_association/$ref", {"@odata.id": f"systemusers({user_id})"}
        ).status_code
        == 204
    )
    drift = [
        dv.delete(f"{queue_ref}/queuemembership_association({user_id})/$ref"),
        dv.patch(
            f"msdyn_liveworkstreams({CONTOSO_CHAT})",
            {"msdyn_bot_user@odata.bind": f"/systemusers({PARTNER_BOT_USER})"},
        ),
        dv.delete(f"systemusers({user_id})/systemuserroles_association({role_id})/$ref"),
        dv.patch(f"systemusers({user_id})", {"isdisabled": True}),
        dv.delete(f"msdyn_ocliveworkstreamcontextvariables({CUSTOMER_TIER_VARIABLE})"),
    ]
    assert [r.status_code for r in drift] == [204] * 5
    user = dv.get(
        f"systemusers({user_id})?$select=isdisabled&$expand=systemuserroles_association("
        "$select=name),queuemembership_association($select=name)"
    ).json()
    assert (user["isdisabled"], user["systemuserroles_association"], user["queuemembership_association"]) == (
        True,
        [],
        [],
    )
    chat = dv.get(f"msdyn_liveworkstreams({CONTOSO_CHAT})?$select=_msdyn_bot_user_value").json()
    assert chat["_msdyn_bot_user_value"] == PARTNER_BOT_USER
    assert dv.get(f"msdyn_ocliveworkstreamcontextvariables({CUSTOMER_TIER_VARIABLE})").status_code == 404


def test_state_dump_lists_rows_and_associations(emulator, dv):
    dv.post("systemusers", _bot_user())
    state = emulator.state("dataverse")
    dev = next(e for e in state["environments"] if e["url"] == DEV)
    bots = [u for u in dev["tables"]["systemusers"] if u["applicationid"] == DEV_BOT_APP]
    assert len(bots) == 1 and bots[0]["_businessunitid_value"] == ROOT_BU
    assert [PARTNER_BOT_USER, "a1200000-0000-4000-8000-000000000005"] in dev["associations"][
        "systemuserroles_association"
    ]
    assert {e["url"] for e in state["environments"]} == {DEV, PROD, SANDBOX}


def test_the_state_dump_seeds_back_to_the_same_state(emulator, dv):
    dv.post("systemusers", _bot_user())
    before = emulator.state("dataverse")
    emulator.reset()
    emulator.seed({"dataverse": before})

    def without_versions(state):
        return [
            {
                **env,
                "tables": {
                    name: [{k: v for k, v in row.items() if k != "versionnumber"} for row in rows]
                    for name, rows in env["tables"].items()
                },
            }
            for env in state["environments"]
        ]

    assert without_versions(emulator.state("dataverse")) == without_versions(before)
