"""The hand-off's known failure scenarios (the seed doc's empty table), detected on records read from the
emulator's environments: each check fails with its catalogue entry, and passes on a correct setup.
"""

from __future__ import annotations

import pytest

from components.clients import errors, preflight
from components.clients.dataverse import BotUserSpec, DataverseClient
from components.clients.records import QueueMember

from .support import DEPLOYER, DEV_URL, PROD_URL, SANDBOX_URL, raises_entry

ROOT_BU = "a1100000-0000-4000-8000-000000000001"
CHILD_BU = "a1100000-0000-4000-8000-000000000002"
BOT_APP = "44444444-4444-4444-8444-444444444444"
PARTNER_BOT_USER = "a1300000-0000-4000-8000-000000000020"


def seed_sandbox_solutions(emulator, *unique_names: str) -> None:
    rows = [
        {"solutionid": f"c1800000-0000-4000-8000-00000000009{n}", "uniquename": name, "friendlyname": name}
        for n, name in enumerate(unique_names)
    ]
    emulator.seed({"dataverse": {"environments": [{"url": SANDBOX_URL, "tables": {"solutions": rows}}]}})


def test_omnichannel_and_its_bot_extension_are_installed_in_dev(dataverse):
    preflight.require_solutions(preflight.installed_solutions(dataverse))


def test_omnichannel_is_not_installed_in_the_sandbox(config, secret_env):
    sandbox = DataverseClient.connect(config, SANDBOX_URL, environ=secret_env)
    with raises_entry(errors.NotFoundError, "omnichannel-not-installed", "msdyn_OmnichannelBase"):
        preflight.require_solutions(preflight.installed_solutions(sandbox))


def test_the_base_solution_every_customer_service_org_has_is_not_omnichannel(
    config, secret_env, trusted_emulator
):
    # msdyn_OmnichannelBase is preinstalled in every Customer Service org (delete-solution.md): only the
    # messaging solutions that provisioning installs tell an environment where Omnichannel runs.
    seed_sandbox_solutions(trusted_emulator, "msdyn_OmnichannelBase", "OmnichannelPVAExtension")
    sandbox = DataverseClient.connect(config, SANDBOX_URL, environ=secret_env)
    with raises_entry(errors.NotFoundError, "omnichannel-not-installed", "OmnichannelChat"):
        preflight.require_solutions(preflight.installed_solutions(sandbox))


@pytest.mark.parametrize("messaging", ["OmnichannelChat", "msdyn_OmnichannelMessagingBase", "OmnichannelSMS"])
def test_any_provisioned_messaging_solution_shows_omnichannel(
    config, secret_env, trusted_emulator, messaging
):
    seed_sandbox_solutions(trusted_emulator, "msdyn_OmnichannelBase", messaging)
    sandbox = DataverseClient.connect(config, SANDBOX_URL, environ=secret_env)
    preflight.require_solutions(preflight.installed_solutions(sandbox), bot_extension=False)


def test_the_bot_extension_counts_under_another_unique_name(config, secret_env, trusted_emulator):
    # Its unique name is undocumented: whatever Microsoft names it, a name with "pvaextension" counts.
    seed_sandbox_solutions(trusted_emulator, "OmnichannelChat")
    trusted_emulator.seed(
        {
            "dataverse": {
                "environments": [
                    {
                        "url": SANDBOX_URL,
                        "tables": {
                            "solutions": [
                                {
                                    "solutionid": "c1800000-0000-4000-8000-000000000003",
                                    "uniquename": "msdyn_OmnichannelBase",
                                    "friendlyname": "Omnichannel Base",
                                    "version": "9.3.24063.1004",
                                    "ismanaged": True,
                                },
                                {
                                    "solutionid": "c1800000-0000-4000-8000-000000000004",
                                    "uniquename": "msdyn_OmnichannelPvaExtension_Anchor",
                                    "friendlyname": "Omnichannel PVA extension",
                                    "version": "1.0",
                                    "ismanaged": True,
                                },
                            ]
                        },
                    }
                ]
            }
        }
    )
    sandbox = DataverseClient.connect(config, SANDBOX_URL, environ=secret_env)
    preflight.require_solutions(preflight.installed_solutions(sandbox))


def test_omnichannel_without_the_bot_extension(config, secret_env, trusted_emulator):
    seed_sandbox_solutions(trusted_emulator, "OmnichannelChat")
    trusted_emulator.seed(
        {
            "dataverse": {
                "environments": [
                    {
                        "url": SANDBOX_URL,
                        "tables": {
                            "solutions": [
                                {
                                    "solutionid": "c1800000-0000-4000-8000-000000000003",
                                    "uniquename": "msdyn_OmnichannelBase",
                                    "friendlyname": "Omnichannel Base",
                                    "version": "9.3.24063.1004",
                                    "ismanaged": True,
                                }
                            ]
                        },
                    }
                ]
            }
        }
    )
    sandbox = DataverseClient.connect(config, SANDBOX_URL, environ=secret_env)
    with raises_entry(errors.NotFoundError, "bot-extension-not-installed", "pvaextension"):
        preflight.require_solutions(preflight.installed_solutions(sandbox))


def test_a_published_provisioned_agent_is_ready(dataverse):
    preflight.require_agent_ready(dataverse.agent("cr5a1_contosoHelper"))


def test_a_draft_agent_is_not_published(dataverse):
    draft = dataverse.agent("cr5a1_draftAgent")
    preflight.require_agent_ready(draft, must_be_published=False)
    with raises_entry(errors.ValidationError, "agent-not-published", "never been published"):
        preflight.require_agent_ready(draft)


def test_a_deprovisioned_agent_is_not_provisioned(dataverse):
    with raises_entry(errors.ValidationError, "agent-not-provisioned", "status code is 2"):
        preflight.require_agent_ready(dataverse.agent("cr5a1_retiredAgent"))


def test_an_agent_name_over_30_characters(dataverse):
    with raises_entry(errors.ValidationError, "agent-name-too-long", "42 characters"):
        preflight.require_agent_ready(dataverse.agent("cr5a1_longNameAgent"))


def test_the_app_id_of_a_plain_application_user_is_already_used(dataverse):
    assert preflight.adoptable_bot_user(dataverse.user_by_application_id(BOT_APP), BOT_APP) is None
    with raises_entry(errors.ConflictError, "app-id-already-used", "Handoff Deployer"):
        preflight.adoptable_bot_user(dataverse.user_by_application_id(DEPLOYER), DEPLOYER)


def test_an_existing_bot_user_is_adopted(dataverse):
    created = dataverse.create_bot_user(
        BotUserSpec(app_id=BOT_APP, business_unit_id=ROOT_BU, last_name="Bot")
    )
    assert preflight.adoptable_bot_user(dataverse.user_by_application_id(BOT_APP), BOT_APP) == created


def test_a_binding_never_moves_to_another_environment():
    preflight.require_same_binding(DEV_URL + "/", DEV_URL.upper(), BOT_APP, BOT_APP.upper())
    with raises_entry(errors.ValidationError, "environment-cannot-change", "environmentUrl"):
        preflight.require_same_binding(DEV_URL, PROD_URL, BOT_APP, BOT_APP)


def test_the_workstream_must_be_push_and_free_of_other_bots(dataverse):
    preflight.require_bot_workstream(dataverse.workstream("Contoso chat"), PARTNER_BOT_USER)
    with raises_entry(errors.ValidationError, "workstream-not-push", "192350001"):
        preflight.require_bot_workstream(dataverse.workstream("Contoso pick"), PARTNER_BOT_USER)
    preflight.require_bot_workstream(dataverse.workstream("Partner chat"), PARTNER_BOT_USER.upper())
    with raises_entry(errors.ConflictError, "workstream-has-other-bot", PARTNER_BOT_USER):
        preflight.require_bot_workstream(
            dataverse.workstream("Partner chat"), "a1300000-0000-4000-8000-0000000000b0"
        )


def test_the_bot_must_have_the_highest_capacity_of_its_queue(dataverse):
    members = dataverse.queue_with_members("Tier 2 chat").members  # Casey 80, the partner bot 100
    preflight.require_highest_capacity(members, PARTNER_BOT_USER, 100)
    with raises_entry(errors.ValidationError, "bot-not-highest-capacity", "Casey Supervisor (80)"):
        preflight.require_highest_capacity(members, "a1300000-0000-4000-8000-0000000000b0", 80)


def test_the_bot_user_must_be_in_the_root_business_unit(dataverse):
    root = dataverse.root_business_unit()
    misplaced = dataverse.create_bot_user(
        BotUserSpec(app_id=BOT_APP, business_unit_id=CHILD_BU, last_name="Bot")
    )
    with raises_entry(errors.ValidationError, "bot-user-not-in-root-business-unit", CHILD_BU):
        preflight.require_root_business_unit(misplaced, root)


def test_capacity_check_ignores_the_bot_itself():
    members = [QueueMember("a1300000-0000-4000-8000-0000000000b0", "Bot", 100, True)]
    preflight.require_highest_capacity(members, "A1300000-0000-4000-8000-0000000000B0", 100)


@pytest.mark.parametrize("name", ["Contoso Helper", "x" * 30])
def test_names_up_to_30_characters_connect(name):
    preflight.require_agent_name(name)
