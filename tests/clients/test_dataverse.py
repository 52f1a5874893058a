"""The Dataverse client against the emulator's environments: typed reads, the bot user's life, roles and
queue membership (idempotent both ways), workstreams, context variables, agents and publishing, and the
Dataverse codes each failure maps to.
"""

from __future__ import annotations

import pytest

from components.clients import errors
from components.clients.dataverse import BotUserSpec, DataverseClient
from components.clients.dataverse.agents import PUBLISH_ACTION, publish_waits
from components.clients.records import (
    AgentType,
    BotProvider,
    ContextVariableType,
    DistributionMode,
    QueueType,
    UserType,
)

from .support import DEPLOYER, DEV_URL, READER, READER_SECRET, TENANT, raises_entry

ROOT_BU = "a1100000-0000-4000-8000-000000000001"
CHILD_BU = "a1100000-0000-4000-8000-000000000002"
DEPLOYER_USER = "a1300000-0000-4000-8000-000000000001"
AGENT_ROLE = "a1200000-0000-4000-8000-000000000005"
CHILD_AGENT_ROLE = "a1200000-0000-4000-8000-000000000015"
BOT_QUEUE = "a1400000-0000-4000-8000-000000000001"
CONTOSO_CHAT = "a1500000-0000-4000-8000-000000000001"
BOT_APP = "44444444-4444-4444-8444-444444444444"


@pytest.fixture
def bot_user(dataverse):
    return dataverse.create_bot_user(
        BotUserSpec(app_id=BOT_APP, business_unit_id=ROOT_BU, last_name="Contoso Helper bot", capacity=120)
    )


def test_who_am_i_and_root_business_unit(dataverse):
    assert dataverse.who_am_i().user_id == DEPLOYER_USER
    root = dataverse.root_business_unit()
    assert (root.id, root.parent_id) == (ROOT_BU, None)


def test_role_is_found_by_name_in_a_business_unit(dataverse):
    assert dataverse.role_by_name("Omnichannel agent", ROOT_BU).id == AGENT_ROLE
    assert dataverse.role_by_name("Omnichannel agent", CHILD_BU).id == CHILD_AGENT_ROLE
    with raises_entry(errors.NotFoundError, "role-not-found", "'Omnichannel bot wrangler'"):
        dataverse.role_by_name("Omnichannel bot wrangler", ROOT_BU)


def test_create_bot_user_writes_the_bot_columns(dataverse, bot_user):
    assert bot_user.application_id == bot_user.bot_application_id == BOT_APP
    assert (bot_user.agent_type, bot_user.user_type) == (AgentType.BOT_APPLICATION_USER, UserType.BOT_USER)
    assert bot_user.bot_provider == BotProvider.VIRTUAL_AGENT and bot_user.capacity == 120
    assert bot_user.business_unit_id == ROOT_BU and bot_user.is_bot_user
    assert dataverse.user_by_application_id(BOT_APP) == bot_user == dataverse.user_by_id(bot_user.id)


def test_creating_the_bot_user_twice_is_a_duplicate_the_caller_adopts(dataverse, bot_user):
    with raises_entry(errors.ConflictError, "dataverse-duplicate-application-user", "0x8004F511"):
        dataverse.create_bot_user(BotUserSpec(app_id=BOT_APP, business_unit_id=ROOT_BU, last_name="again"))
    assert dataverse.user_by_application_id(BOT_APP).id == bot_user.id


def test_update_bot_user_changes_only_what_is_given(dataverse, bot_user):
    updated = dataverse.update_bot_user(bot_user.id, capacity=150)
    assert updated.capacity == 150 and not updated.is_disabled
    disabled = dataverse.update_bot_user(bot_user.id, is_disabled=True, provider=BotProvider.OTHER)
    assert (disabled.capacity, disabled.is_disabled, disabled.bot_provider) == (150, True, BotProvider.OTHER)
    assert dataverse.update_bot_user(bot_user.id) == disabled


def test_a_missing_user_is_not_found(dataverse):
    with raises_entry(errors.NotFoundError, "dataverse-record-not-found", "0x80040217"):
        dataverse.user_by_id("a1300000-0000-4000-8000-0000000000ff")
    assert dataverse.user_by_application_id("55555555-5555-4555-8555-555555555555") is None


def test_role_assignment_is_idempotent_both_ways(dataverse, bot_user):
    assert dataverse.associate_role(bot_user.id, AGENT_ROLE) is True
    assert dataverse.associate_role(bot_user.id, AGENT_ROLE) is False  # already associated: done
    assert [r.name for r in dataverse.user_roles(bot_user.id)] == ["Omnichannel agent"]
    dataverse.disassociate_role(bot_user.id, AGENT_ROLE)
    dataverse.disassociate_role(bot_user.id, AGENT_ROLE)  # not associated any more: done, no error
    assert dataverse.user_roles(bot_user.id) == ()


def test_a_role_of_another_business_unit_cannot_be_assigned(dataverse, bot_user):
    with raises_entry(errors.ValidationError, "dataverse-role-in-wrong-business-unit", "0x80041409"):
        dataverse.associate_role(bot_user.id, CHILD_AGENT_ROLE)


def test_queue_by_name_or_id_with_its_members(dataverse):
    queue = dataverse.queue("Bot escalations")
    assert queue == dataverse.queue(BOT_QUEUE.upper())
    assert queue.is_omnichannel and queue.queue_type == QueueType.MESSAGING
    members = {m.full_name: m.capacity for m in dataverse.queue_with_members(queue.id).members}
    assert members == {"Avery Agent": 40, "Blake Agent": 60}


def test_queue_lookups_fail_with_their_entries(dataverse, trusted_emulator):
    with raises_entry(errors.NotFoundError, "queue-not-found", "'Escalations'"):
        dataverse.queue("Escalations")
    with raises_entry(errors.NotFoundError, "queue-not-found"):
        dataverse.queue("a1400000-0000-4000-8000-0000000000ff")
    trusted_emulator.seed(
        {
            "dataverse": {
                "environments": [
                    {
                        "url": DEV_URL,
                        "tables": {
                            "queues": [
                                {
                                    "queueid": "a1400000-0000-4000-8000-000000000009",
                                    "name": "Bot escalations",
                                    "msdyn_isomnichannelqueue": True,
                                    "msdyn_queuetype": 192350000,
                                }
                            ]
                        },
                    }
                ]
            }
        }
    )
    with raises_entry(errors.ValidationError, "name-ambiguous", "use the GUID", BOT_QUEUE):
        dataverse.queue("Bot escalations")


def test_queue_membership_is_idempotent_both_ways(dataverse, bot_user):
    assert dataverse.add_queue_member(BOT_QUEUE, bot_user.id) is True
    assert dataverse.add_queue_member(BOT_QUEUE, bot_user.id) is False
    bot = next(m for m in dataverse.queue_with_members(BOT_QUEUE).members if m.user_id == bot_user.id)
    assert bot.is_bot_user and bot.capacity == 120
    dataverse.remove_queue_member(BOT_QUEUE, bot_user.id)
    dataverse.remove_queue_member(BOT_QUEUE, bot_user.id)  # not a member any more: done, no error
    assert bot_user.id not in {m.user_id for m in dataverse.queue_with_members(BOT_QUEUE).members}


def test_workstream_bot_is_set_and_cleared(dataverse, bot_user):
    workstream = dataverse.workstream("Contoso chat")
    assert workstream.id == CONTOSO_CHAT and workstream.distribution_mode == DistributionMode.PUSH
    assert dataverse.set_workstream_bot(CONTOSO_CHAT, bot_user.id).bot_user_id == bot_user.id
    dataverse.clear_workstream_bot(CONTOSO_CHAT)
    assert dataverse.workstream(CONTOSO_CHAT).bot_user_id is None
    with raises_entry(errors.NotFoundError, "workstream-not-found", "'Contoso voice'"):
        dataverse.workstream("Contoso voice")


def test_context_variables_are_listed_created_updated_and_deleted(dataverse):
    names = {v.name: v.data_type for v in dataverse.context_variables(CONTOSO_CHAT)}
    assert names == {"Locale": ContextVariableType.TEXT, "CustomerTier": ContextVariableType.TEXT}
    created = dataverse.create_context_variable(CONTOSO_CHAT, "OrderTotal", ContextVariableType.NUMBER)
    assert (created.workstream_id, created.data_type) == (CONTOSO_CHAT, ContextVariableType.NUMBER)
    updated = dataverse.update_context_variable(
        created.id, data_type=ContextVariableType.TEXT, display_name="Order total"
    )
    assert (updated.data_type, updated.display_name) == (ContextVariableType.TEXT, "Order total")
    assert dataverse.delete_context_variable(created.id) is True
    assert dataverse.delete_context_variable(created.id) is False
    assert "OrderTotal" not in {v.name for v in dataverse.context_variables(CONTOSO_CHAT)}


def test_a_context_variable_declared_twice_is_a_duplicate(dataverse):
    with raises_entry(errors.ConflictError, "dataverse-duplicate-record", "0x80040237"):
        dataverse.create_context_variable(CONTOSO_CHAT, "Locale", ContextVariableType.TEXT)


def test_context_variable_types_follow_the_stack_spelling():
    assert ContextVariableType.named(" Boolean ") is ContextVariableType.BOOLEAN
    with pytest.raises(ValueError, match="use text, number, boolean or entity"):
        ContextVariableType.named("date")


def test_agent_is_published_and_read_back(dataverse):
    draft = dataverse.agent("cr5a1_draftAgent")
    assert draft.is_provisioned and not draft.is_published
    published = dataverse.publish_agent(draft.id)
    assert published.is_published and published.id == draft.id
    with raises_entry(errors.NotFoundError, "agent-not-found", "'cr5a1_nobody'"):
        dataverse.agent("cr5a1_nobody")


def _agent_requests(emulator) -> list[str]:
    return [f"{r.method} {r.path.rsplit('/', 1)[-1]}" for r in emulator.requests(service="dataverse")]


def test_a_publish_that_finished_at_once_costs_one_post_and_one_read(dataverse, trusted_emulator, sleeper):
    draft = dataverse.agent("cr5a1_draftAgent")
    trusted_emulator.clear_requests()
    published = dataverse.publish_agent(draft.id, previous=draft)
    assert published.is_published and not published.has_unpublished_changes
    assert _agent_requests(trusted_emulator) == [f"POST {PUBLISH_ACTION}", f"GET bots({draft.id})"]
    assert sleeper.waits == []


def test_a_publish_still_running_is_polled_until_it_is_done(dataverse, trusted_emulator, sleeper):
    trusted_emulator.configure(publish_delay_reads=2)
    draft = dataverse.agent("cr5a1_draftAgent")
    trusted_emulator.clear_requests()
    published = dataverse.publish_agent(draft.id, previous=draft)
    assert published.is_published and not published.has_unpublished_changes
    assert _agent_requests(trusted_emulator) == [f"POST {PUBLISH_ACTION}"] + [f"GET bots({draft.id})"] * 3
    assert sleeper.waits == [1.0]  # the first re-read at once, the second after a second


def test_a_republish_waits_for_a_newer_publishedon_than_before(dataverse, trusted_emulator, sleeper):
    trusted_emulator.configure(publish_delay_reads=1)
    helper = dataverse.agent("cr5a1_contosoHelper")  # published, no changes: the old row already looks done
    published = dataverse.publish_agent(helper.id, previous=helper)
    assert published.published_on > helper.published_on and sleeper.waits == []


def test_a_publish_without_the_agent_before_reads_it_first(dataverse, trusted_emulator):
    draft = dataverse.agent("cr5a1_draftAgent")
    trusted_emulator.clear_requests()
    assert dataverse.publish_agent(draft.id).is_published
    assert _agent_requests(trusted_emulator) == [
        f"GET bots({draft.id})",
        f"POST {PUBLISH_ACTION}",
        f"GET bots({draft.id})",
    ]


def test_a_publish_still_running_after_the_wait_budget_is_pending(dataverse, trusted_emulator, sleeper):
    trusted_emulator.configure(publish_delay_reads=100)
    draft = dataverse.agent("cr5a1_draftAgent")
    trusted_emulator.clear_requests()
    with raises_entry(
        errors.UnavailableError, "agent-publish-pending", "publishedon is empty", "pac copilot status"
    ):
        dataverse.publish_agent(draft.id, previous=draft)
    assert sleeper.waits == [w for w in publish_waits() if w] and 100 < sum(sleeper.waits) <= 120
    assert sleeper.waits[:5] == [1.0, 2.0, 4.0, 8.0, 16.0] and max(sleeper.waits) == 16.0
    reads = _agent_requests(trusted_emulator).count(f"GET bots({draft.id})")
    assert reads == 1 + len(publish_waits()) and not dataverse.agent_by_id(draft.id).is_published


def test_the_wait_budget_also_counts_the_time_the_reads_took(dataverse, trusted_emulator, sleeper):
    trusted_emulator.configure(publish_delay_reads=5)
    draft = dataverse.agent("cr5a1_draftAgent")
    dataverse.session.clock = iter([0.0, 0.0, 119.5]).__next__  # start, before re-read 1, before re-read 2
    with raises_entry(errors.UnavailableError, "agent-publish-pending", "after 0 s of waiting"):
        dataverse.publish_agent(draft.id, previous=draft)
    assert sleeper.waits == []  # a 1 s wait would end past the budget: given up without sleeping


def test_installed_solutions_are_found_by_unique_name(dataverse):
    found = dataverse.solutions(["msdyn_OmnichannelBase", "OmnichannelPVAExtension", "msdyn_Nothing"])
    assert sorted(found) == ["OmnichannelPVAExtension", "msdyn_OmnichannelBase"]
    assert found["msdyn_OmnichannelBase"].is_managed and dataverse.solutions([]) == {}


def test_installed_solutions_are_also_found_by_part_of_their_unique_name(dataverse):
    found = dataverse.solutions(["msdyn_OmnichannelBase"], containing=["pvaextension", "nothing-like-this"])
    assert sorted(found) == ["OmnichannelPVAExtension", "msdyn_OmnichannelBase"]  # one request, both kinds


def test_the_deployer_needs_a_privilege_it_lacks(config, trusted_emulator, sleeper):
    reader = DataverseClient.connect(
        config,
        DEV_URL,
        sleeper=sleeper,
        environ={"ARM_CLIENT_ID": READER, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_SECRET": READER_SECRET},
    )
    with raises_entry(errors.PermissionDeniedError, "dataverse-privilege-denied", "0x80040220", "HTTP 403"):
        reader.add_queue_member(BOT_QUEUE, "a1300000-0000-4000-8000-000000000012")


def test_an_application_without_a_user_in_the_environment(config, trusted_emulator):
    app, secret = "14141414-1414-4414-8414-141414141414", "a-secret-of-an-outsider"
    trusted_emulator.seed(
        {
            "directory": {
                "applications": [
                    {
                        "appId": app,
                        "tenantId": TENANT,
                        "servicePrincipal": True,
                        "passwordCredentials": [{"secretText": secret}],
                    }
                ]
            }
        }
    )
    outsider = DataverseClient.connect(
        config, DEV_URL, environ={"ARM_CLIENT_ID": app, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_SECRET": secret}
    )
    with raises_entry(errors.PermissionDeniedError, "dataverse-caller-not-in-environment", "0x80072560"):
        outsider.who_am_i()


def test_a_request_the_service_refuses_as_invalid(dataverse):
    with raises_entry(errors.ValidationError, "request-invalid", "HTTP 400"):
        dataverse.session.request(
            "GET", "systemusers", operation="list users", params={"$select": "nonsense"}
        )


def test_identifiers_are_checked_before_anything_is_sent(dataverse, trusted_emulator):
    with pytest.raises(ValueError, match="the user id must be a GUID"):
        dataverse.user_by_id("not-a-guid")
    with pytest.raises(ValueError, match="App ID must be a GUID"):
        BotUserSpec(app_id=DEPLOYER[:-1], business_unit_id=ROOT_BU, last_name="x")
    assert trusted_emulator.requests(service="dataverse") == []
