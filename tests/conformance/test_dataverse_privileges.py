"""Security roles decide what an application user may do; a missing privilege answers 403 0x80040220
with the message layout Dataverse uses, naming the missing privilege (reference §4.3)."""

from __future__ import annotations

import re

import pytest

from emulator.dataverse.testing import (
    BASIC_USER,
    BOT_AUTHOR,
    BOT_ESCALATIONS,
    CONTOSO_CHAT,
    CONTOSO_HELPER,
    OC_ADMINISTRATOR,
    OC_AGENT,
    READER_APP,
    READER_USER,
    ROOT_BU,
    DataverseClient,
    error_of,
)

PRIVILEGE_MESSAGE = re.compile(
    r"Principal user \(Id=(?P<user>[0-9a-f-]{36}), type=8, roleCount=(?P<roles>\d+), privilegeCount=\d+, "
    r"accessMode='4 Non-interactive', AADObjectId='[0-9a-f-]{36}', "
    r"businessUnitId=(?P<bu>[0-9a-f-]{36})\), is missing (?P<privilege>\w+) privilege "
    r"\(Id=[0-9a-f-]{36}\) on OTC=(?P<otc>\d+) for entity '(?P<entity>\w+)' "
    r"\(LocalizedName='[^']+'\)\. context\.Caller=(?P=user)\. Consider adding missed privilege to one of the "
    r"principal \(user/team\) roles\."
)


@pytest.fixture
def admin(emulator):
    client = DataverseClient(emulator)
    yield client
    client.close()


@pytest.fixture
def reader(emulator):
    client = DataverseClient(emulator, app_id=READER_APP)
    yield client
    client.close()


def _denied(response, privilege, entity, otc):
    assert response.status_code == 403, response.text
    code, message = error_of(response)
    assert code == "0x80040220"
    match = PRIVILEGE_MESSAGE.fullmatch(message)
    assert match, message
    assert (match["user"], match["bu"], match["privilege"], match["entity"], match["otc"]) == (
        READER_USER,
        ROOT_BU,
        privilege,
        entity,
        str(otc),
    )
    return match


def _grant(admin, role_id):
    response = admin.post(
        f"systemusers({READER_USER})/systemuserroles_association/$ref", {"@odata.id": f"roles({role_id})"}
    )
    assert response.status_code == 204


def test_basic_user_reads_core_tables(reader):
    assert reader.get("WhoAmI").json()["UserId"] == READER_USER
    for path in (
        "systemusers?$select=fullname",
        "roles?$select=name",
        "queues?$select=name",
        "solutions?$select=uniquename",
        f"businessunits({ROOT_BU})",
    ):
        assert reader.get(path).status_code == 200, path


def test_basic_user_cannot_create_users(reader):
    response = reader.post(
        "systemusers",
        {
            "applicationid": "44444444-4444-4444-8444-444444444444",
            "businessunitid@odata.bind": f"/businessunits({ROOT_BU})",
        },
    )
    match = _denied(response, "prvCreateUser", "systemuser", 8)
    assert match["roles"] == "1"


def test_basic_user_cannot_assign_roles(reader):
    response = reader.post(
        f"systemusers({READER_USER})/systemuserroles_association/$ref", {"@odata.id": f"roles({OC_AGENT})"}
    )
    _denied(response, "prvAssignRole", "role", 1036)


def test_basic_user_is_not_an_omnichannel_administrator(reader):
    _denied(
        reader.patch(f"msdyn_liveworkstreams({CONTOSO_CHAT})", {"msdyn_bot_user@odata.bind": None}),
        "prvWritemsdyn_liveworkstream",
        "msdyn_liveworkstream",
        10700,
    )
    _denied(reader.get("msdyn_liveworkstreams"), "prvReadmsdyn_liveworkstream", "msdyn_liveworkstream", 10700)
    _denied(
        reader.post(
            f"queues({BOT_ESCALATIONS})/queuemembership_association/$ref",
            {"@odata.id": f"systemusers({READER_USER})"},
        ),
        "prvAppendToQueue",
        "queue",
        2020,
    )


def test_omnichannel_administrator_configures_omnichannel_but_not_users(admin, reader):
    _grant(admin, OC_ADMINISTRATOR)
    unbind = {"msdyn_bot_user@odata.bind": None}
    assert reader.patch(f"msdyn_liveworkstreams({CONTOSO_CHAT})", unbind).status_code == 204
    assert (
        reader.post(
            "msdyn_ocliveworkstreamcontextvariables",
            {
                "msdyn_name": "OrderNumber",
                "msdyn_datatype": 192350000,
                "msdyn_liveworkstreamid@odata.bind": f"/msdyn_liveworkstreams({CONTOSO_CHAT})",
            },
        ).status_code
        == 204
    )
    assert (
        reader.post(
            f"queues({BOT_ESCALATIONS})/queuemembership_association/$ref",
            {"@odata.id": f"systemusers({READER_USER})"},
        ).status_code
        == 204
    )
    _denied(
        reader.post("systemusers", {"applicationid": "44444444-4444-4444-8444-444444444444"}),
        "prvCreateUser",
        "systemuser",
        8,
    )
    _denied(
        reader.post(
            f"systemusers({READER_USER})/systemuserroles_association/$ref",
            {"@odata.id": f"roles({OC_AGENT})"},
        ),
        "prvAssignRole",
        "role",
        1036,
    )


def test_publishing_needs_write_on_bots(admin, reader):
    publish = f"bots({CONTOSO_HELPER})/Microsoft.Dynamics.CRM.PvaPublish"
    _denied(reader.post(publish, {}), "prvWritebot", "bot", 10200)
    _grant(admin, BOT_AUTHOR)
    assert reader.post(publish, {}).status_code == 200


def test_expand_needs_read_on_the_expanded_table(admin, reader):
    _grant(admin, BOT_AUTHOR)
    assert (
        admin.delete(f"systemusers({READER_USER})/systemuserroles_association({BASIC_USER})/$ref").status_code
        == 204
    )
    assert reader.get("bots?$expand=publishedby($select=fullname)").status_code == 200
    response = reader.get("systemusers?$expand=queuemembership_association($select=name)")
    _denied(response, "prvReadQueue", "queue", 2020)


def test_a_removed_role_takes_effect_on_the_next_request(admin, reader):
    _grant(admin, OC_ADMINISTRATOR)
    assert reader.get("msdyn_liveworkstreams").status_code == 200
    assert (
        admin.delete(
            f"systemusers({READER_USER})/systemuserroles_association({OC_ADMINISTRATOR})/$ref"
        ).status_code
        == 204
    )
    _denied(reader.get("msdyn_liveworkstreams"), "prvReadmsdyn_liveworkstream", "msdyn_liveworkstream", 10700)


def test_privilege_error_annotations_when_asked(reader):
    error = reader.get("bots", headers={"Prefer": 'odata.include-annotations="*"'}).json()["error"]
    assert error["@Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionMessageName"] == "PrivilegeDenied"
    assert error["@Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionHttpStatusCode"] == "403"
