"""An Azure bot's BotApplicationUser through the provider server: created as Microsoft documents it (bot
columns, root business unit, Non-interactive access), adopted when the App ID already has a bot user (never a
soft-deleted one), never duplicated when a create's answer is lost, and refused early with the catalogue's
error where Omnichannel, the Azure Bot's Omnichannel channel or the deployer's role is missing."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from components.dynamic.bot_user import BotApplicationUser
from emulator.dataverse import testing as dv
from emulator.seeds import default_fixture, native_fixture
from offline.harness import azure_bot_binding
from offline.provider_server import ProviderError

from .support import Binding, Driver, assert_entry, rows, start_server, writes

# Bot application user, provider Other (an Azure bot is no Copilot Studio agent), bot user; Non-interactive.
BOT_COLUMNS = {
    "msdyn_agentType": 192350001,
    "msdyn_botprovider": 192350001,
    "msdyn_usertype": 192350001,
    "accessmode": 4,
}


def user_inputs(**changes):
    return {**Binding(None, azure_bot_binding()).inputs("user"), **changes}


def bot_user(server) -> Driver:
    return Driver(server, BotApplicationUser, "omnichannel-user")


def bot_users(emulator, url=dv.DEV):
    return rows(emulator, "systemusers", url, applicationid=dv.DEV_BOT_APP)


def test_create_makes_the_bot_user_with_the_bot_columns_in_the_root_business_unit(server, world):
    created = bot_user(server).create(user_inputs(capacity=150))
    [row] = bot_users(world)
    assert {k: row[k] for k in BOT_COLUMNS} == BOT_COLUMNS
    assert row["msdyn_botapplicationid"] == dv.DEV_BOT_APP and row["_businessunitid_value"] == dv.ROOT_BU
    assert row["msdyn_capacity"] == 150 and row["isdisabled"] is False
    assert created.id == row["systemuserid"]
    outs = created.outputs
    assert (outs["userId"], outs["adopted"], outs["enabled"], outs["capacity"], outs["botProvider"]) == (
        row["systemuserid"],
        False,
        True,
        150,
        "other",
    )
    assert outs["businessUnitId"] == dv.ROOT_BU and outs["fullName"] == "Contoso Handoff (dev)"


def test_create_adopts_existing_bot_user_and_brings_it_to_the_declared_state(server, world):
    world.seed(
        {
            "dataverse": {
                "environments": [
                    {
                        "url": dv.DEV,
                        "tables": {
                            "systemusers": [
                                {
                                    "systemuserid": "a1300000-0000-4000-8000-0000000000b0",
                                    "lastname": "Helper bot",
                                    "applicationid": dv.DEV_BOT_APP,
                                    "msdyn_botapplicationid": dv.DEV_BOT_APP,
                                    "msdyn_agentType": 192350001,
                                    "msdyn_botprovider": 192350000,
                                    "msdyn_usertype": 192350001,
                                    "msdyn_capacity": 10,
                                    "isdisabled": True,
                                    "_businessunitid_value": dv.ROOT_BU,
                                }
                            ]
                        },
                    }
                ]
            }
        }
    )
    adopted = bot_user(server).create(user_inputs())
    assert adopted.id == "a1300000-0000-4000-8000-0000000000b0" and adopted.outputs["adopted"] is True
    [row] = bot_users(world)
    assert (row["msdyn_capacity"], row["msdyn_botprovider"], row["isdisabled"]) == (100, 192350001, False)
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in writes(world)] == [
        ("PATCH", "systemusers(a1300000-0000-4000-8000-0000000000b0)")
    ]


def test_create_refuses_an_app_id_held_by_a_user_that_is_not_a_bot_user(server, world):
    world.seed(
        {
            "dataverse": {
                "environments": [
                    {
                        "url": dv.DEV,
                        "tables": {
                            "systemusers": [
                                {
                                    "lastname": "Integration",
                                    "applicationid": dv.DEV_BOT_APP,
                                    "_businessunitid_value": dv.ROOT_BU,
                                }
                            ]
                        },
                    }
                ]
            }
        }
    )
    with pytest.raises(ProviderError) as caught:
        bot_user(server).create(user_inputs())
    assert_entry(
        caught.value, "ConflictError", "app-id-already-used", "holds the App ID but is not its bot user"
    )
    assert writes(world) == []


def test_create_after_a_dropped_post_creates_exactly_one_user(server, world):
    world.inject(method="POST", path=r"/systemusers$", kind="drop", count=1)
    created = bot_user(server).create(user_inputs())
    assert [row["systemuserid"] for row in bot_users(world)] == [created.id]
    assert created.outputs["adopted"] is False
    assert [r.status for r in world.requests(method="POST") if r.path.endswith("/systemusers")] == [0, 201]


def test_create_in_an_environment_without_omnichannel_fails_before_writing(server, world):
    with pytest.raises(ProviderError) as caught:
        bot_user(server).create(user_inputs(environmentUrl=dv.SANDBOX))
    assert_entry(caught.value, "NotFoundError", "omnichannel-not-installed", "msdyn_OmnichannelBase")
    assert writes(world) == [] and bot_users(world, dv.SANDBOX) == []


def test_an_azure_bot_needs_omnichannel_messaging_but_not_the_copilot_studio_extension(server, world):
    environment = {
        "url": dv.SANDBOX,
        "tables": {
            "solutions": [
                {
                    "solutionid": f"c1800000-0000-4000-8000-0000000000a{n}",
                    "uniquename": name,
                    "friendlyname": name,
                }
                for n, name in enumerate(("msdyn_OmnichannelBase", "OmnichannelChat"))
            ]
        },
    }
    world.seed({"dataverse": {"environments": [environment]}})
    created = bot_user(server).create(user_inputs(environmentUrl=dv.SANDBOX))
    assert [row["systemuserid"] for row in bot_users(world, dv.SANDBOX)] == [created.id]


@pytest.mark.parametrize("teams", [True, False], ids=["Teams enabled", "no Teams"])
def test_create_fails_early_when_the_azure_bot_has_no_omnichannel_channel(server, world, teams):
    fixture = copy.deepcopy(native_fixture())
    del fixture["directory"]
    fixture["arm"]["botServices"] = [fixture["arm"]["botServices"][0]]
    fixture["arm"]["botServices"][0]["channels"] = (
        [{"channelName": "MsTeamsChannel", "properties": {"isEnabled": True}}] if teams else []
    )
    world.reset()
    world.seed(default_fixture())
    world.seed(fixture)
    with pytest.raises(ProviderError) as caught:
        bot_user(server).create(user_inputs())
    assert_entry(caught.value, "ValidationError", "omnichannel-channel-missing", "contoso-handoff-dev")
    assert writes(world) == []


def test_a_soft_deleted_user_holding_the_app_id_is_never_adopted(server, world, portal):
    created = bot_user(server).create(user_inputs())
    assert portal.delete(f"systemusers({created.id})").status_code == 204  # soft delete (deletedstate 1)
    world.clear_requests()
    with pytest.raises(ProviderError) as caught:
        bot_user(server).create(user_inputs())
    assert_entry(caught.value, "ValidationError", "bot-user-soft-deleted", created.id)
    assert writes(world) == []


def test_a_low_privilege_deployer_is_refused_with_what_role_it_needs(world):
    reader = start_server(world, app_id=dv.READER_APP)
    try:
        with pytest.raises(ProviderError) as caught:
            bot_user(reader).create(user_inputs())
    finally:
        reader.stop()
    assert_entry(
        caught.value,
        "PermissionDeniedError",
        "deployer-not-system-administrator",
        "Basic User",
        "System Administrator",
    )
    assert writes(world) == []


def test_a_disabled_bot_user_is_drift_that_update_enables_again(server, world, portal):
    driver = bot_user(server)
    created = driver.create(user_inputs())
    assert portal.patch(f"systemusers({created.id})", json={"isdisabled": True}).status_code == 204
    read, diff = driver.refresh(created)
    assert read.outputs["enabled"] is False and read.inputs["enabled"] is False and diff.changes == "some"
    updated = driver.update(created, olds=read.outputs)
    assert updated.outputs["enabled"] is True and bot_users(world)[0]["isdisabled"] is False
    assert driver.refresh(updated)[1].changes == "none"


def test_a_deleted_bot_user_reads_as_gone(server, world):
    driver = bot_user(server)
    created = driver.create(user_inputs())
    gone = driver.read(dataclasses.replace(created, id="a1300000-0000-4000-8000-0000000000ff"))
    assert gone.gone and set(gone.outputs) == {"__provider"}


def test_delete_is_refused_and_says_what_protect_and_the_override_mean(server, world):
    driver = bot_user(server)
    created = driver.create(user_inputs())
    world.clear_requests()
    with pytest.raises(ProviderError) as caught:
        driver.delete(created)
    message = caught.value.message
    for fragment in (
        "refusing to delete the bot's application user",
        "protect=True",
        "a new bot",
        "pulumi state unprotect",
        "handoff:allowBindingRemoval true",
        "disables the bot's application user",
        "docs/binding.md#removing-a-binding",
    ):
        assert fragment in message, fragment
    assert world.requests() == [] and bot_users(world)[0]["isdisabled"] is False
