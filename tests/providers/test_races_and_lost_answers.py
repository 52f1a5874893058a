"""Races and lost answers the emulator cannot stage on its own: a create whose answer is lost after the
service
applied it (a 5xx or a connection dropped once Dataverse had committed), and a create that loses the race for
an App ID to a concurrent one. These tests run the providers' create logic in-process over the real client,
against the emulator, with the one call whose timing matters wrapped. What they prove: the record is found by
its natural key and adopted, never created twice."""

from __future__ import annotations

import pytest

from components.clients import auth, catalogue, errors
from components.clients.config import ClientConfig
from components.clients.dataverse import DataverseClient
from components.clients.records import ContextVariableType
from components.dynamic.bot_user import BotApplicationUserSpec, adopt_or_create
from components.dynamic.context import create_variable
from emulator.dataverse import testing as dv
from emulator.entra.testing import fixture_secret

from .support import DEV_AZURE_BOT, rows


def lost(operation: str) -> errors.AmbiguousWriteError:
    return errors.AmbiguousWriteError(operation, status=503, entry=catalogue.get("ambiguous-write"))


class AnswersLost(DataverseClient):
    """The real client, except that the creates below are applied and then answered with a 503."""

    def create_bot_user(self, spec):
        super().create_bot_user(spec)
        raise lost("create the bot user")

    def create_context_variable(self, workstream_id, name, data_type, display_name=None):
        super().create_context_variable(workstream_id, name, data_type, display_name)
        raise lost("create a context variable")


class LookupRacedByAnotherCreate(DataverseClient):
    """The real client, except that its first App ID lookup ran just before a concurrent run created the
    user."""

    looked_up = False

    def user_by_application_id(self, app_id):
        if not self.looked_up:
            self.looked_up = True
            return None
        return super().user_by_application_id(app_id)


@pytest.fixture
def connect(world, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", world.ca_path)
    auth.forget_credentials()
    config = ClientConfig.from_mapping(
        {
            "handoff:tenantId": dv.TENANT,
            "handoff:authorityHost": world.base_url,
            "handoff:resourceManagerEndpoint": world.base_url,
            "handoff:dataverseApiEndpoint": f"{world.base_url}/api/data/v9.2",
        }
    )
    environ = {
        "ARM_CLIENT_ID": dv.DEPLOYER_APP,
        "ARM_TENANT_ID": dv.TENANT,
        "ARM_CLIENT_SECRET": fixture_secret(dv.DEPLOYER_APP),
    }
    yield lambda cls: cls.connect(config, dv.DEV, environ=environ)
    auth.forget_credentials()


def want() -> BotApplicationUserSpec:
    return BotApplicationUserSpec(
        environment_url=dv.DEV,
        bot_app_id=dv.DEV_BOT_APP,
        display_name="Contoso Bot",
        azure_bot_id=DEV_AZURE_BOT,
    )


def test_a_bot_user_created_whose_answer_was_lost_is_found_by_app_id_not_created_again(connect, world):
    user, adopted = adopt_or_create(connect(AnswersLost), want())
    [row] = rows(world, "systemusers", applicationid=dv.DEV_BOT_APP)
    assert user.id == row["systemuserid"] and adopted is False
    assert len([r for r in world.requests(method="POST") if r.path.endswith("/systemusers")]) == 1


def test_a_create_that_lost_the_race_for_the_app_id_adopts_the_winner(connect, world):
    world.seed(
        {
            "dataverse": {
                "environments": [
                    {
                        "url": dv.DEV,
                        "tables": {
                            "systemusers": [
                                {
                                    "systemuserid": "a1300000-0000-4000-8000-0000000000b2",
                                    "lastname": "Contoso Bot",
                                    "applicationid": dv.DEV_BOT_APP,
                                    "msdyn_botapplicationid": dv.DEV_BOT_APP,
                                    "msdyn_agentType": 192350001,
                                    "msdyn_botprovider": 192350000,
                                    "msdyn_usertype": 192350001,
                                    "msdyn_capacity": 100,
                                    "_businessunitid_value": dv.ROOT_BU,
                                }
                            ]
                        },
                    }
                ]
            }
        }
    )
    user, adopted = adopt_or_create(connect(LookupRacedByAnotherCreate), want())
    assert (user.id, adopted) == ("a1300000-0000-4000-8000-0000000000b2", True)
    assert len(rows(world, "systemusers", applicationid=dv.DEV_BOT_APP)) == 1
    assert [r.status for r in world.requests(method="POST") if r.path.endswith("/systemusers")] == [400]


def test_a_context_variable_created_whose_answer_was_lost_is_found_by_name(connect, world):
    variable = create_variable(connect(AnswersLost), dv.CONTOSO_CHAT, "orderNumber", ContextVariableType.TEXT)
    found = rows(
        world,
        "msdyn_ocliveworkstreamcontextvariables",
        msdyn_name="orderNumber",
        _msdyn_liveworkstreamid_value=dv.CONTOSO_CHAT,
    )
    assert [r["msdyn_ocliveworkstreamcontextvariableid"] for r in found] == [variable.id]
