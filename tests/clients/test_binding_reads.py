"""What the binding's providers added to the clients: one-request reads (a queue with its members, a
workstream
with its bot user's name), the Azure Bot id parser, and the preflight checks of the known failures they meet
(a queue that is no Omnichannel messaging queue, a deployer that cannot create users, an agent named
otherwise)."""

from __future__ import annotations

import pytest

from components.clients import errors, preflight
from components.clients.arm import parse_bot_resource_id
from components.clients.dataverse import DataverseClient

from .support import DEV_GROUP, DEV_SUBSCRIPTION, DEV_URL, READER, READER_SECRET, TENANT, raises_entry

BOT_ESCALATIONS = "a1400000-0000-4000-8000-000000000001"
PARTNER_CHAT = "a1500000-0000-4000-8000-000000000003"
PARTNER_BOT_USER = "a1300000-0000-4000-8000-000000000020"
ESCALATE_TOPIC = "a1710000-0000-4000-8000-000000000001"
BOT_ID = (
    f"/subscriptions/{DEV_SUBSCRIPTION}/resourceGroups/{DEV_GROUP}/providers/Microsoft.BotService/"
    "botServices/contoso-handoff-dev"
)


@pytest.mark.parametrize("name_or_id", ["Bot escalations", BOT_ESCALATIONS.upper()])
def test_a_queue_is_read_with_its_members_and_capacities_in_one_request(
    dataverse, trusted_emulator, name_or_id
):
    trusted_emulator.clear_requests()
    found = dataverse.queue_with_members(name_or_id)
    assert (found.queue.id, found.queue.name, found.queue.is_omnichannel) == (
        BOT_ESCALATIONS,
        "Bot escalations",
        True,
    )
    assert {m.full_name: m.capacity for m in found.members} == {"Avery Agent": 40, "Blake Agent": 60}
    assert found.has_member("A1300000-0000-4000-8000-000000000010") and not found.has_member(PARTNER_BOT_USER)
    assert len(trusted_emulator.requests(service="dataverse")) == 1


def test_a_missing_queue_is_not_found_by_either_key(dataverse):
    with raises_entry(errors.NotFoundError, "queue-not-found", "Nowhere"):
        dataverse.queue_with_members("Nowhere")
    with raises_entry(errors.NotFoundError, "queue-not-found"):
        dataverse.queue_with_members("a1400000-0000-4000-8000-0000000000ff")


def test_a_workstream_is_read_with_its_bot_users_name(dataverse):
    workstream = dataverse.workstream(PARTNER_CHAT)
    assert (workstream.bot_user_id, workstream.bot_user_name) == (PARTNER_BOT_USER, "Partner Bot")
    assert dataverse.workstream("Contoso chat").bot_user_name is None


def test_a_workstream_bound_to_another_bot_names_it(dataverse):
    with raises_entry(errors.ConflictError, "workstream-has-other-bot", f"Partner Bot ({PARTNER_BOT_USER})"):
        preflight.require_bot_workstream(
            dataverse.workstream("Partner chat"), "a1300000-0000-4000-8000-0000000000b0"
        )


def test_only_an_omnichannel_messaging_queue_takes_the_bot(dataverse):
    preflight.require_omnichannel_queue(dataverse.queue("Bot escalations"))
    with raises_entry(
        errors.ValidationError, "queue-not-omnichannel", "Contoso support inbox", "not an Omnichannel queue"
    ):
        preflight.require_omnichannel_queue(dataverse.queue("Contoso support inbox"))


def test_an_omnichannel_queue_of_another_type_is_refused(dataverse, trusted_emulator):
    trusted_emulator.seed(
        {
            "dataverse": {
                "environments": [
                    {
                        "url": DEV_URL,
                        "tables": {
                            "queues": [
                                {
                                    "queueid": "a1400000-0000-4000-8000-0000000000a0",
                                    "name": "Case records",
                                    "msdyn_isomnichannelqueue": True,
                                    "msdyn_queuetype": 192350001,
                                    "msdyn_priority": 3,
                                }
                            ]
                        },
                    }
                ]
            }
        }
    )
    with raises_entry(
        errors.ValidationError, "queue-not-omnichannel", "of type 192350001 (messaging is 192350000)"
    ):
        preflight.require_omnichannel_queue(dataverse.queue("Case records"))


def test_only_a_system_administrator_can_create_the_bot_user(dataverse, config):
    preflight.require_user_administrator(dataverse.caller_roles())
    reader = DataverseClient.connect(
        config,
        DEV_URL,
        environ={"ARM_CLIENT_ID": READER, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_SECRET": READER_SECRET},
    )
    with raises_entry(errors.PermissionDeniedError, "deployer-not-system-administrator", "Basic User"):
        preflight.require_user_administrator(reader.caller_roles())


def test_an_omnichannel_administrator_alone_cannot_create_the_bot_user():
    from components.clients.records import SecurityRole

    with raises_entry(
        errors.PermissionDeniedError, "deployer-not-system-administrator", "Omnichannel administrator"
    ):
        preflight.require_user_administrator(
            [SecurityRole("a1200000-0000-4000-8000-000000000003", "Omnichannel administrator", None)]
        )


def test_the_agent_must_be_named_as_the_stack_declares(dataverse):
    agent = dataverse.agent("cr5a1_contosoHelper")
    preflight.require_agent_named(agent, " Contoso  Helper ")
    with raises_entry(errors.ValidationError, "agent-name-mismatch", "'Contoso Helper'", "'Contoso Bot'"):
        preflight.require_agent_named(agent, "Contoso Bot")
    with raises_entry(errors.ValidationError, "agent-name-too-long", "42 characters"):
        preflight.require_agent_named(dataverse.agent("cr5a1_longNameAgent"), "Contoso Care")


def test_an_agent_edited_after_its_publish_has_unpublished_changes(dataverse, trusted_emulator):
    assert not dataverse.agent("cr5a1_contosoHelper").has_unpublished_changes
    dataverse.session.request(
        "PATCH",
        f"botcomponents({ESCALATE_TOPIC})",
        operation="edit a topic",
        json={"data": "kind: AdaptiveDialog"},
        expected=(204,),
    )
    assert dataverse.agent("cr5a1_contosoHelper").has_unpublished_changes
    assert not dataverse.publish_agent(dataverse.agent("cr5a1_contosoHelper").id).has_unpublished_changes


def test_other_bots_need_omnichannel_but_not_its_copilot_studio_extension(dataverse):
    installed = {
        name: s
        for name, s in preflight.installed_solutions(dataverse).items()
        if name in (preflight.OMNICHANNEL_BASE_SOLUTION, "OmnichannelChat")
    }
    preflight.require_solutions(installed, bot_extension=False)
    with raises_entry(errors.NotFoundError, "bot-extension-not-installed"):
        preflight.require_solutions(installed)


def test_an_azure_bot_id_is_parsed_into_its_parts_before_any_request():
    assert parse_bot_resource_id(BOT_ID) == (DEV_SUBSCRIPTION, DEV_GROUP, "contoso-handoff-dev")
    assert parse_bot_resource_id(BOT_ID.lower())[2] == "contoso-handoff-dev"
    for bad in (
        "contoso-handoff-dev",
        BOT_ID + "/channels/MsTeamsChannel",
        BOT_ID.replace(DEV_SUBSCRIPTION, "sub"),
        42,
    ):
        with pytest.raises(ValueError, match="Azure Bot resource id"):
            parse_bot_resource_id(bad)
