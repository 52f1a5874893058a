"""Taking over an existing setup: which of a stack's resources already exist, found by the natural keys the
stack declares them by (the bot's App ID, the queue and workstream names, the context variables' names, the
agent's schema name, the Azure Bot's resource id). What exists in Dataverse is adopted by the first `up` as
today (docs/binding.md); what exists in Azure must be imported first (docs/live.md, "Taking over an
existing setup"), or `up` would try to create it beside the existing one.
"""

from __future__ import annotations

from typing import Optional

from components import names
from components.clients import errors
from components.clients.dataverse import DataverseClient
from components.clients.records import SystemUser
from components.settings import Settings

from .azure import TEAMS_CHANNEL, AzureSide
from .model import ResourceRow

IMPORT = "import it first (docs/live.md, Taking over an existing setup)"
ADOPTED = "adopted by the first up"


def stack_resources(
    settings: Settings, client: DataverseClient, azure: Optional[AzureSide]
) -> tuple[ResourceRow, ...]:
    rows: list[ResourceRow] = []
    app_id = ""
    if azure is not None:
        rows += _azure_rows(settings, azure)
        app_id = (azure.bot.msa_app_id or "") if azure.bot else ""
    elif settings.agent is not None:
        rows.append(_agent_row(client, settings.agent.schema_name))
        app_id = settings.agent.app_id
    rows.append(_bot_user_row(client, app_id, agent=settings.is_copilot_agent))
    rows += _routing_rows(settings, client)
    return tuple(rows)


def _azure_rows(settings: Settings, azure: AzureSide) -> list[ResourceRow]:
    bot_settings = settings.bot
    assert bot_settings is not None
    exists = azure.bot is not None
    app = azure.application
    rows = []
    if (
        bot_settings.app_type == "SingleTenant"
    ):  # a UserAssignedMSI bot has no app registration of the stack's
        app_id = azure.bot.msa_app_id if exists else None
        rows.append(
            ResourceRow(
                "app registration (bot-app, bot-sp)",
                f"App ID {app_id}" if app_id else "the Azure Bot's msaAppId",
                app is not None,
                f"object id {app.id}; {IMPORT}"
                if app
                else "found only through an existing Azure Bot's msaAppId",
            )
        )
    rows += [
        ResourceRow(
            "Azure Bot (channel-bot)",
            azure.bot_resource_id,
            exists,
            IMPORT if exists else "created by up",
        ),
    ]
    wanted = [("Omnichannel channel (channel-omnichannel)", "Omnichannel")]
    if bot_settings.teams_channel:
        wanted.append(("Teams channel (channel-teams)", TEAMS_CHANNEL))
    found = {c.channel: c for c in azure.channels}
    for label, channel in wanted:
        present = channel in found and found[channel].exists
        detail = IMPORT if present else "created by up"
        rows.append(ResourceRow(label, f"{azure.bot_resource_id}/channels/{channel}", present, detail))
    return rows


def _agent_row(client: DataverseClient, schema_name: str) -> ResourceRow:
    try:
        agent = client.agent(schema_name)
    except errors.NotFoundError:
        return ResourceRow("Copilot Studio agent", schema_name, False, "create it in Copilot Studio")
    return ResourceRow("Copilot Studio agent", schema_name, True, f"verified by up (id {agent.id})")


def _bot_user_row(client: DataverseClient, app_id: str, *, agent: bool) -> ResourceRow:
    label = "bot user (omnichannel-user)"
    if not app_id:
        missing = "handoff:copilotAgentAppId is empty" if agent else "no App ID until the Azure Bot exists"
        return ResourceRow(label, "App ID", False, missing)
    user: Optional[SystemUser] = client.user_by_application_id(app_id)
    if user is None:
        fix = "Connect the agent in Copilot Studio" if agent else "created by up"
        return ResourceRow(label, f"App ID {app_id}", False, fix)
    if user.is_soft_deleted:
        return ResourceRow(
            label, f"App ID {app_id}", True, "soft-deleted: up refuses it (bot-user-soft-deleted)"
        )
    roles = {r.name.lower() for r in client.user_roles(user.id)}
    role = "has" if names.OMNICHANNEL_AGENT_ROLE.lower() in roles else "lacks"
    how = "verified" if agent else ADOPTED
    return ResourceRow(
        label, f"App ID {app_id}", True, f"{how}; {role} the {names.OMNICHANNEL_AGENT_ROLE} role"
    )


def _routing_rows(settings: Settings, client: DataverseClient) -> list[ResourceRow]:
    oc = settings.omnichannel
    rows = []
    try:
        client.queue(oc.queue)
        rows.append(ResourceRow("queue", oc.queue, True, f"must exist; the bot's membership is {ADOPTED}"))
    except errors.NotFoundError:
        rows.append(ResourceRow("queue", oc.queue, False, "create it in the Omnichannel admin center"))
    try:
        workstream = client.workstream(oc.workstream)
    except errors.NotFoundError:
        rows.append(ResourceRow("workstream", oc.workstream, False, "create it (push) in the admin center"))
        return rows
    bot = workstream.bot_user_name or workstream.bot_user_id or "no bot"
    rows.append(ResourceRow("workstream", oc.workstream, True, f"bot: {bot}; {ADOPTED}"))
    live = {v.name: v for v in client.context_variables(workstream.id)}
    for variable in oc.context_variables:
        present = variable.name in live
        detail = f"{live[variable.name].data_type.name.lower()}; {ADOPTED}" if present else "created by up"
        rows.append(ResourceRow("context variable", f"{oc.workstream}/{variable.name}", present, detail))
    return rows
