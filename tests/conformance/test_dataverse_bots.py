"""Copilot Studio agents in Dataverse: the `bots` table, `botcomponents`, and the bound action
`PvaPublish` (reference §5.6, §5.7). The publish answer's shape is our choice [I]: 200 with
`PublishedBotContentId`, as community scripts observe; the emulator publishes at once, or, with
`publishDelayReads`, after that many reads of the bot (the real job is asynchronous [C])."""

from __future__ import annotations

import json
import re

import pytest

from emulator.dataverse.testing import (
    CONTOSO_HELPER,
    DEPLOYER_USER,
    DRAFT_AGENT,
    ESCALATE_TOPIC,
    LONG_NAME_AGENT,
    RETIRED_AGENT,
    DataverseClient,
    error_of,
)

PUBLISH = "Microsoft.Dynamics.CRM.PvaPublish"


@pytest.fixture
def dv(emulator):
    client = DataverseClient(emulator)
    yield client
    client.close()


def _bot(dv, bot_id):
    return dv.get(
        f"bots({bot_id})?$select=name,schemaname,statecode,statuscode,publishedon,modifiedon,"
        "_publishedby_value,synchronizationstatus"
    ).json()


def test_the_fixture_agents_cover_published_unpublished_deprovisioned_and_long_names(dv):
    rows = dv.get("bots?$select=name,schemaname,statuscode,publishedon").json()["value"]
    bots = {b["schemaname"]: b for b in rows}
    assert bots["cr5a1_contosoHelper"]["name"] == "Contoso Helper"
    assert bots["cr5a1_contosoHelper"]["publishedon"] == "2024-05-01T10:00:00Z"
    assert bots["cr5a1_draftAgent"]["publishedon"] is None
    assert bots["cr5a1_retiredAgent"]["statuscode"] == 2
    assert len(bots["cr5a1_longNameAgent"]["name"]) > 30


def test_publish_sets_publishedon_and_publishedby(dv):
    before = _bot(dv, DRAFT_AGENT)
    response = dv.post(f"bots({DRAFT_AGENT})/{PUBLISH}", {})
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"].endswith("$metadata#Microsoft.Dynamics.CRM.PvaPublishResponse")
    assert re.fullmatch(r"[0-9a-f-]{36}", body["PublishedBotContentId"])
    after = _bot(dv, DRAFT_AGENT)
    assert before["publishedon"] is None and after["publishedon"] is not None
    assert after["publishedon"] == after["modifiedon"]
    assert after["_publishedby_value"] == DEPLOYER_USER
    status = json.loads(after["synchronizationstatus"])["lastFinishedPublishOperation"]
    assert status["status"] == "Succeeded" and status["operationEnd"] == after["publishedon"]


def test_a_delayed_publish_shows_after_that_many_reads_of_the_bot(dv, emulator):
    emulator.configure(publish_delay_reads=2)
    before = _bot(dv, CONTOSO_HELPER)
    assert dv.post(f"bots({CONTOSO_HELPER})/{PUBLISH}", {}).status_code == 200
    assert dv.post(f"bots({CONTOSO_HELPER})/{PUBLISH}", {}).status_code == 200  # joins the running job
    query = f"bots?$select=publishedon&$filter=botid eq {CONTOSO_HELPER}"
    first, second = _bot(dv, CONTOSO_HELPER), dv.get(query).json()["value"][0]  # a query counts as a read
    assert first["publishedon"] == second["publishedon"] == before["publishedon"]
    assert first["_publishedby_value"] == before["_publishedby_value"]
    dv.get(f"bots({DRAFT_AGENT})")  # another bot's read does not move this job on
    done = _bot(dv, CONTOSO_HELPER)
    assert done["publishedon"] > before["publishedon"] and done["publishedon"] == done["modifiedon"]
    assert done["_publishedby_value"] == DEPLOYER_USER
    assert _bot(dv, CONTOSO_HELPER)["publishedon"] == done["publishedon"]  # finished once, not again


def test_a_republish_in_the_same_second_still_reads_as_newer(dv):
    dv.post(f"bots({CONTOSO_HELPER})/{PUBLISH}", {})
    first = _bot(dv, CONTOSO_HELPER)["publishedon"]
    dv.post(f"bots({CONTOSO_HELPER})/{PUBLISH}", {})
    assert _bot(dv, CONTOSO_HELPER)["publishedon"] > first


def test_publishing_a_deprovisioned_agent_answers_400(dv):
    response = dv.post(f"bots({RETIRED_AGENT})/{PUBLISH}", {})
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == "0x80040203"
    assert message == (
        "The bot 'cr5a1_retiredAgent' cannot be published because it is Deprovisioned. "
        "Provision the bot before publishing it."
    )


def test_an_agent_whose_license_lapsed_cannot_be_published(dv):
    assert dv.patch(f"bots({LONG_NAME_AGENT})", {"statuscode": 5}).status_code == 204
    response = dv.post(f"bots({LONG_NAME_AGENT})/{PUBLISH}", {})
    assert response.status_code == 400 and "MissingLicense" in error_of(response)[1]


def test_publishing_a_missing_agent_answers_does_not_exist(dv):
    missing = "0f0f0f0f-0000-4000-8000-000000000007"
    response = dv.post(f"bots({missing})/{PUBLISH}", {})
    assert response.status_code == 404
    assert error_of(response) == ("0x80040217", f"bot With Id = {missing} Does Not Exist")


def test_an_unknown_bound_action_answers_resource_not_found(dv):
    response = dv.post(f"bots({CONTOSO_HELPER})/Microsoft.Dynamics.CRM.PvaPublishStatus", {})
    assert response.status_code == 404
    assert error_of(response)[1] == (
        "Resource not found for the segment 'Microsoft.Dynamics.CRM.PvaPublishStatus'."
    )


def test_editing_a_component_after_publish_shows_unpublished_changes(dv):
    dv.post(f"bots({CONTOSO_HELPER})/{PUBLISH}", {})
    published = _bot(dv, CONTOSO_HELPER)
    assert published["modifiedon"] == published["publishedon"]
    assert dv.patch(f"botcomponents({ESCALATE_TOPIC})", {"data": "kind: AdaptiveDialog\n"}).status_code == 204
    edited = _bot(dv, CONTOSO_HELPER)
    assert edited["modifiedon"] > edited["publishedon"] == published["publishedon"]
    dv.post(f"bots({CONTOSO_HELPER})/{PUBLISH}", {})
    republished = _bot(dv, CONTOSO_HELPER)
    assert republished["publishedon"] >= edited["modifiedon"]


def test_adding_or_deleting_a_component_also_changes_the_agent(dv):
    before = _bot(dv, CONTOSO_HELPER)["modifiedon"]
    component = {
        "name": "Greeting",
        "schemaname": "cr5a1_contosoHelper.topic.Greeting",
        "componenttype": 0,
        "parentbotid@odata.bind": f"/bots({CONTOSO_HELPER})",
    }
    response = dv.post("botcomponents", component, headers={"Prefer": "return=representation"})
    assert response.status_code == 201
    added = _bot(dv, CONTOSO_HELPER)["modifiedon"]
    assert added > before
    assert dv.delete(f"botcomponents({response.json()['botcomponentid']})").status_code == 204
    assert _bot(dv, CONTOSO_HELPER)["modifiedon"] >= added


def test_schema_names_are_unique_and_create_only(dv):
    duplicate = dv.post("bots", {"name": "Copy", "schemaname": "cr5a1_CONTOSOHELPER"})
    assert duplicate.status_code == 412 and error_of(duplicate)[0] == "0x80040237"
    renamed = {"schemaname": "cr5a1_renamed", "name": "Helper"}
    assert dv.patch(f"bots({CONTOSO_HELPER})", renamed).status_code == 204
    bot = _bot(dv, CONTOSO_HELPER)
    assert (bot["schemaname"], bot["name"]) == ("cr5a1_contosoHelper", "Helper")


def test_publishedon_cannot_be_written_by_clients(dv):
    dv.patch(f"bots({DRAFT_AGENT})", {"publishedon": "2030-01-01T00:00:00Z"})
    assert _bot(dv, DRAFT_AGENT)["publishedon"] is None


def test_deleting_an_agent_deletes_its_components(dv):
    assert dv.delete(f"bots({CONTOSO_HELPER})").status_code == 204
    assert dv.get(f"botcomponents({ESCALATE_TOPIC})").status_code == 404
