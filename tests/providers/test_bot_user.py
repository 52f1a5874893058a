"""BotApplicationUser through the provider server: created with the bot columns in the root business unit,
adopted when the App ID already has a bot user, never duplicated when a create's answer is lost, and refused
early with the catalogue's error where Omnichannel, the Teams channel or the deployer's role is missing."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from emulator.dataverse import testing as dv
from emulator.seeds import native_fixture
from offline.provider_server import ProviderError

from .support import Binding, Driver, assert_entry, rows, start_server, writes

BOT_COLUMNS = {"msdyn_agentType": 192350001, "msdyn_botprovider": 192350000, "msdyn_usertype": 192350001}


def user_inputs(**changes):
    return {**Binding(None).inputs("user"), **changes}


def bot_users(emulator, url=dv.DEV):
    return rows(emulator, "systemusers", url, applicationid=dv.DEV_BOT_APP)


def test_create_makes_the_bot_user_with_the_bot_columns_in_the_root_business_unit(server, world):
    created = Driver(server, "user").create(user_inputs(capacity=150))
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
        "copilotStudio",
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
                                    "msdyn_botprovider": 192350001,
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
    adopted = Driver(server, "user").create(user_inputs())
    assert adopted.id == "a1300000-0000-4000-8000-0000000000b0" and adopted.outputs["adopted"] is True
    [row] = bot_users(world)
    assert (row["msdyn_capacity"], row["msdyn_botprovider"], row["isdisabled"]) == (100, 192350000, False)
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
        Driver(server, "user").create(user_inputs())
    assert_entry(
        caught.value, "ConflictError", "app-id-already-used", "holds the App ID but is not its bot user"
    )
    assert writes(world) == []


def test_create_after_a_dropped_post_creates_exactly_one_user(server, world):
    world.inject(method="POST", path=r"/systemusers$", kind="drop", count=1)
    created = Driver(server, "user").create(user_inputs())
    assert [row["systemuserid"] for row in bot_users(world)] == [created.id]
    assert created.outputs["adopted"] is False
    assert [r.status for r in world.requests(method="POST") if r.path.endswith("/systemusers")] == [0, 201]


def test_create_in_an_environment_without_omnichannel_fails_before_writing(server, world):
    with pytest.raises(ProviderError) as caught:
        Driver(server, "user").create(user_inputs(environmentUrl=dv.SANDBOX))
    assert_entry(caught.value, "NotFoundError", "omnichannel-not-installed", "msdyn_OmnichannelBase")
    assert writes(world) == [] and bot_users(world, dv.SANDBOX) == []


def test_create_for_a_copilot_studio_bot_needs_the_bot_extension(server, world):
    environment = {
        "url": dv.SANDBOX,
        "tables": {
            "solutions": [
                {
                    "solutionid": "c1800000-0000-4000-8000-0000000000a0",
                    "uniquename": "msdyn_OmnichannelBase",
                    "friendlyname": "Omnichannel",
                    "version": "9.3",
                    "ismanaged": True,
                }
            ]
        },
    }
    world.seed({"dataverse": {"environments": [environment]}})
    with pytest.raises(ProviderError) as caught:
        Driver(server, "user").create(user_inputs(environmentUrl=dv.SANDBOX))
    assert_entry(caught.value, "NotFoundError", "bot-extension-not-installed", "pvaextension")


def test_create_fails_early_when_the_teams_channel_is_disabled(server, world):
    fixture = copy.deepcopy(native_fixture())
    del fixture["directory"]
    fixture["arm"]["botServices"][0]["channels"][0]["properties"]["isEnabled"] = False
    world.seed(fixture)
    with pytest.raises(ProviderError) as caught:
        Driver(server, "user").create(user_inputs())
    assert_entry(caught.value, "ValidationError", "teams-channel-disabled", "contoso-handoff-dev")
    assert writes(world) == []


def test_a_low_privilege_deployer_is_refused_with_what_role_it_needs(world):
    reader = start_server(world, app_id=dv.READER_APP)
    try:
        with pytest.raises(ProviderError) as caught:
            Driver(reader, "user").create(user_inputs())
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
    driver = Driver(server, "user")
    created = driver.create(user_inputs())
    assert portal.patch(f"systemusers({created.id})", json={"isdisabled": True}).status_code == 204
    read, diff = driver.refresh(created)
    assert read.outputs["enabled"] is False and read.inputs["enabled"] is False and diff.changes == "some"
    updated = driver.update(created, olds=read.outputs)
    assert updated.outputs["enabled"] is True and bot_users(world)[0]["isdisabled"] is False
    assert driver.refresh(updated)[1].changes == "none"


def test_a_deleted_bot_user_reads_as_gone(server, world):
    driver = Driver(server, "user")
    created = driver.create(user_inputs())
    gone = driver.read(dataclasses.replace(created, id="a1300000-0000-4000-8000-0000000000ff"))
    assert gone.gone and set(gone.outputs) == {"__provider"}


def test_delete_is_refused_and_says_what_protect_and_the_override_mean(server, world):
    driver = Driver(server, "user")
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
