"""The Dataverse side of a survey, read with the product's own client (GET requests only): agents, bot
application users with their roles, Omnichannel queues with their members, workstreams, context variables
and the solutions components/clients/preflight.py looks for. Every list is one request (the roles: one per
bot user; the context variables: one per workstream), so the reads are bounded by what the environment holds.
"""

from __future__ import annotations

from typing import Iterable

from components.clients import preflight
from components.clients.dataverse import DataverseClient
from components.clients.records import (
    AgentType,
    BotProvider,
    CopilotAgent,
    QueueWithMembers,
    Solution,
    SystemUser,
    Workstream,
)

from .model import AgentRow, BotUserRow, ContextVariableRow, QueueRow, SolutionRow, WorkstreamRow

_PROVIDERS = {
    BotProvider.VIRTUAL_AGENT: "copilotStudio",
    BotProvider.OTHER: "other",
    BotProvider.NONE: "none",
}


def agents(client: DataverseClient, users: Iterable[BotUserRow]) -> tuple[AgentRow, ...]:
    """Every agent, with the App IDs of the live Copilot Studio bot users that carry its name."""
    named: dict[str, list[str]] = {}
    for user in users:
        if user.provider == "copilotStudio" and not user.soft_deleted and user.app_id:
            named.setdefault(user.name.casefold(), []).append(user.app_id)
    found = sorted(client.agents(), key=lambda a: a.schema_name)
    return tuple(_agent(a, tuple(named.get(a.name.casefold(), ()))) for a in found)


def _agent(agent: CopilotAgent, app_ids: tuple[str, ...]) -> AgentRow:
    return AgentRow(
        schema_name=agent.schema_name,
        name=agent.name,
        name_length=len(agent.name),
        status=agent.status,
        provisioned=agent.is_provisioned,
        published=agent.is_published,
        published_on=agent.published_on.isoformat() if agent.published_on else None,
        unpublished_changes=agent.has_unpublished_changes,
        last_publish_status=agent.last_publish.status if agent.last_publish else None,
        bot_user_app_ids=app_ids,
        id=agent.id,
    )


def bot_users(client: DataverseClient, root_business_unit_id: str) -> tuple[BotUserRow, ...]:
    users = sorted(client.bot_users(include_soft_deleted=True), key=lambda u: (u.application_id or "", u.id))
    return tuple(_bot_user(client, u, root_business_unit_id) for u in users)


def _bot_user(client: DataverseClient, user: SystemUser, root: str) -> BotUserRow:
    roles = () if user.is_soft_deleted else tuple(sorted(r.name for r in client.user_roles(user.id)))
    kind = (
        "bot application user" if user.agent_type == AgentType.BOT_APPLICATION_USER else str(user.agent_type)
    )
    provider = _PROVIDERS.get(user.bot_provider, str(user.bot_provider))  # type: ignore[call-overload]
    return BotUserRow(
        app_id=user.application_id or user.bot_application_id,
        name=user.full_name,
        kind=kind,
        provider=provider,
        capacity=user.capacity,
        business_unit_id=user.business_unit_id,
        in_root_business_unit=user.business_unit_id == root,
        roles=roles,
        enabled=not user.is_disabled,
        soft_deleted=user.is_soft_deleted,
        id=user.id,
    )


def queues(client: DataverseClient) -> tuple[QueueRow, ...]:
    return tuple(_queue(q) for q in sorted(client.omnichannel_queues(), key=lambda q: q.queue.name))


def _queue(queue: QueueWithMembers) -> QueueRow:
    bots = sorted((m for m in queue.members if m.is_bot_user), key=lambda m: m.full_name)
    humans = [m.capacity for m in queue.members if not m.is_bot_user and m.capacity is not None]
    return QueueRow(
        name=queue.queue.name,
        bot_members=tuple(f"{m.full_name} (capacity {m.capacity})" for m in bots),
        highest_human_capacity=max(humans) if humans else None,
        members=len(queue.members),
        id=queue.queue.id,
    )


def workstreams(client: DataverseClient) -> tuple[tuple[Workstream, ...], tuple[WorkstreamRow, ...]]:
    found = tuple(sorted(client.workstreams(), key=lambda w: w.name))
    rows = tuple(WorkstreamRow(w.name, w.is_push, w.bot_user_id, w.bot_user_name, w.id) for w in found)
    return found, rows


def context_variables(client: DataverseClient, found: Iterable[Workstream]) -> tuple[ContextVariableRow, ...]:
    rows = [
        ContextVariableRow(w.name, v.name, v.data_type.name.lower(), v.id)
        for w in found
        for v in client.context_variables(w.id)
    ]
    return tuple(sorted(rows, key=lambda r: (r.workstream, r.name)))


def solutions(client: DataverseClient) -> tuple[SolutionRow, ...]:
    found = preflight.installed_solutions(client)
    return tuple(_solution(s) for s in sorted(set(found.values()), key=lambda s: s.unique_name.lower()))


def _solution(solution: Solution) -> SolutionRow:
    name = solution.unique_name.lower()
    if name == preflight.OMNICHANNEL_BASE_SOLUTION.lower():
        why = "Omnichannel base (preinstalled in every Customer Service org)"
    elif name in {n.lower() for n in preflight.OMNICHANNEL_MESSAGING_SOLUTIONS}:
        why = "Omnichannel messaging (preflight.OMNICHANNEL_MESSAGING_SOLUTIONS)"
    else:
        why = "bot extension (preflight.BOT_EXTENSION_MARKERS)"
    return SolutionRow(
        solution.unique_name, solution.friendly_name, solution.version, solution.is_managed, why
    )
