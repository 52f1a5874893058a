"""Checks of the hand-off's known failure scenarios (reference §6, the seed doc's empty table), run on
records the clients read, so the binding fails early with the catalogue entry that says what to do
instead of a hand-off that silently never works.

Each `require_*` returns quietly or raises the entry's error class (errors.from_entry). They are pure: no
request is sent here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Optional

from .. import validation
from . import errors
from .records import (
    BotProvider,
    BusinessUnit,
    CopilotAgent,
    Queue,
    QueueMember,
    QueueType,
    SecurityRole,
    Solution,
    SystemUser,
    Workstream,
)

if TYPE_CHECKING:  # only a type here: importing the client package from this module would be circular
    from .dataverse import DataverseClient

#: Roles that may create the bot's application user and give it a security role. Microsoft documents creating
#: application users as a System Administrator task (learn.microsoft.com/power-platform/admin/
#: manage-application-users: "Sign in ... as a System Administrator"), and giving a role needs every privilege
#: the role holds; the Omnichannel administrator role has neither.
USER_ADMIN_ROLES = ("system administrator",)
#: Unique name of the Omnichannel base solution. Every Customer Service org has it preinstalled (current
#: ce/customer-service/implement/delete-solution.md, "Don't remove the following solutions, which are
#: preinstalled"), so it proves little alone; it carries the Omnichannel tables the binding writes.
OMNICHANNEL_BASE_SOLUTION = "msdyn_OmnichannelBase"
#: Solutions that arrive only when Omnichannel messaging is provisioned: the same doc's "Uninstall solutions"
#: table (not its preinstalled list) names them: the chat channel, the messaging base and the other
#: messaging channels. Any one of them distinguishes an environment where Omnichannel runs [D for the lists;
#: I that provisioning installs them, to be confirmed with `python -m survey` on a real tenant].
OMNICHANNEL_MESSAGING_SOLUTIONS = (
    "OmnichannelChat",
    "msdyn_OmnichannelMessagingBase",
    "OmnichannelSMS",
    "OmnichannelTeams",
    "OmnichannelSocialChannels",
    "OmnichannelFacebook",
)
#: The "Omnichannel Power Virtual Agent extension" Copilot Studio bots need. Its solution's unique name is
#: not documented (only the AppSource offer, mscrm.omnichannelpvaextension, is) [I], so an exact name could
#: refuse an environment that has it: any installed solution whose unique name contains one of these counts
#: (the voice extension, mscrm.omnichannelvoicepvaextension, matches too, and requires the chat one).
BOT_EXTENSION_MARKERS = ("pvaextension",)


def require_user_administrator(roles: Iterable[SecurityRole]) -> None:
    """The deployer can create the bot's application user and assign its role (System Administrator)."""
    names = sorted({r.name for r in roles})
    if not any(name.lower() in USER_ADMIN_ROLES for name in names):
        raise errors.from_entry(
            "deployer-not-system-administrator",
            "check the deployer's roles",
            f"the deployer's roles are {', '.join(names) or 'none'}",
        )


def required_solutions() -> tuple[str, ...]:
    """The exact unique names `require_solutions` looks for (with the solutions containing the markers)."""
    return (OMNICHANNEL_BASE_SOLUTION, *OMNICHANNEL_MESSAGING_SOLUTIONS)


def installed_solutions(client: "DataverseClient") -> Mapping[str, Solution]:
    """What `require_solutions` needs to see, from a Dataverse client, in one request."""
    return client.solutions(required_solutions(), containing=BOT_EXTENSION_MARKERS)


def require_solutions(installed: Mapping[str, Solution], *, bot_extension: bool = True) -> None:
    """Omnichannel is installed and, for a Copilot Studio bot (`bot_extension`), its bot extension too."""
    present = {name.lower() for name in installed}
    operation = "check the Omnichannel solutions"
    if OMNICHANNEL_BASE_SOLUTION.lower() not in present:
        raise errors.from_entry(
            "omnichannel-not-installed",
            operation,
            f"the solution {OMNICHANNEL_BASE_SOLUTION} is not installed",
        )
    if not present & {name.lower() for name in OMNICHANNEL_MESSAGING_SOLUTIONS}:
        raise errors.from_entry(
            "omnichannel-not-installed",
            operation,
            f"none of {', '.join(OMNICHANNEL_MESSAGING_SOLUTIONS)} is installed (Omnichannel messaging was "
            "never provisioned here)",
        )
    if bot_extension and not any(marker in name for name in present for marker in BOT_EXTENSION_MARKERS):
        raise errors.from_entry(
            "bot-extension-not-installed",
            operation,
            "no installed solution's unique name contains "
            f"{' or '.join(repr(m) for m in BOT_EXTENSION_MARKERS)} (the Omnichannel "
            "Power Virtual Agent extension, AppSource mscrm.omnichannelpvaextension)",
        )


def require_agent_name(name: str) -> None:
    """At most 30 characters: longer names fail to connect to Omnichannel."""
    try:
        validation.check_agent_name(name)
    except ValueError as exc:
        raise errors.from_entry("agent-name-too-long", "check the agent name", str(exc)) from None


def require_agent_named(agent: CopilotAgent, expected: str) -> None:
    """The agent's live name is the one the stack declares (and so at most 30 characters)."""
    require_agent_name(agent.name)
    if " ".join(agent.name.split()) != " ".join(expected.split()):
        raise errors.from_entry(
            "agent-name-mismatch",
            f"check the agent {agent.schema_name}",
            f"it is named {agent.name!r}, the stack declares {expected!r}",
        )


def require_agent_ready(agent: CopilotAgent, *, must_be_published: bool = True) -> None:
    operation = f"check the agent {agent.schema_name}"
    require_agent_name(agent.name)
    if not agent.is_provisioned:
        raise errors.from_entry("agent-not-provisioned", operation, f"its status code is {agent.status}")
    if must_be_published and not agent.is_published:
        raise errors.from_entry("agent-not-published", operation, "it has never been published")


def adoptable_bot_user(existing: Optional[SystemUser], app_id: str) -> Optional[SystemUser]:
    """The existing user to adopt for this App ID, None to create one, or ConflictError when a user that
    is not a bot user already holds the App ID."""
    if existing is None:
        return None
    require_not_soft_deleted(existing, app_id)
    if not existing.is_bot_user or (existing.bot_application_id or "") != app_id.lower():
        raise errors.from_entry(
            "app-id-already-used",
            f"adopt the user of App ID {app_id}",
            f"user {existing.id} ({existing.full_name}) holds the App ID but is not its bot user",
        )
    return existing


def require_not_soft_deleted(user: SystemUser, app_id: str) -> None:
    """A soft-deleted user (deletedstate 1) is never adopted."""
    if user.is_soft_deleted:
        raise errors.from_entry(
            "bot-user-soft-deleted",
            f"adopt the user of App ID {app_id}",
            f"user {user.id} ({user.full_name}) holds the App ID and is soft-deleted",
        )


def describe_bot_users(users: Iterable[SystemUser]) -> str:
    """The candidates a Copilot Studio stack can name in handoff:copilotAgentAppId, one per line."""
    lines = [
        f"  {u.bot_application_id or u.application_id}  {u.full_name}{' (disabled)' if u.is_disabled else ''}"
        for u in sorted(users, key=lambda u: u.full_name.lower())
        if u.bot_provider == BotProvider.VIRTUAL_AGENT
    ]
    if not lines:
        return "the environment has no Copilot Studio bot user: no agent is connected here"
    return "the Copilot Studio bot users of the environment (App ID, name) are:\n" + "\n".join(lines)


def require_connected_agent(
    existing: Optional[SystemUser], app_id: str, candidates: Callable[[], Iterable[SystemUser]]
) -> SystemUser:
    """The bot user Copilot Studio's Connect made for the agent: present, a bot user, not soft-deleted and
    enabled (Disconnect disables it). `candidates` lists the environment's bot users for the message."""
    operation = "check that the Copilot Studio agent is connected"
    if not app_id:
        raise errors.from_entry(
            "copilot-agent-not-connected",
            operation,
            f"handoff:copilotAgentAppId is empty; {describe_bot_users(candidates())}",
        )
    if existing is None or not existing.is_bot_user:
        holder = "no user holds" if existing is None else f"user {existing.id} is no bot user but holds"
        raise errors.from_entry(
            "copilot-agent-not-connected",
            operation,
            f"{holder} App ID {app_id}; {describe_bot_users(candidates())}",
        )
    require_not_soft_deleted(existing, app_id)
    if existing.is_disabled:
        raise errors.from_entry(
            "copilot-agent-disconnected",
            operation,
            f"the agent's bot user {existing.id} ({existing.full_name}) is disabled",
        )
    return existing


def require_same_binding(
    current_url: str, desired_url: str, current_app_id: str, desired_app_id: str
) -> None:
    """A binding never moves: another environment or App ID needs a new bot (and a new stack)."""
    changed = [
        what
        for what, old, new in (
            ("environmentUrl", current_url, desired_url),
            ("botAppId", current_app_id, desired_app_id),
        )
        if validation.normalize_url(old).lower() != validation.normalize_url(new).lower()
    ]
    if changed:
        raise errors.from_entry(
            "environment-cannot-change",
            "check the binding",
            f"{' and '.join(changed)} would change from {current_url}/{current_app_id} "
            f"to {desired_url}/{desired_app_id}",
        )


def require_bot_workstream(workstream: Workstream, bot_user_id: str) -> None:
    """A push workstream whose bot is this user or nobody (one bot per workstream)."""
    operation = f"check the workstream {workstream.name}"
    if not workstream.is_push:
        raise errors.from_entry(
            "workstream-not-push",
            operation,
            f"its distribution mode is {workstream.distribution_mode} (push is 192350000)",
        )
    if workstream.bot_user_id and workstream.bot_user_id != bot_user_id.lower():
        other = (
            f"{workstream.bot_user_name} ({workstream.bot_user_id})"
            if workstream.bot_user_name
            else workstream.bot_user_id
        )
        raise errors.from_entry("workstream-has-other-bot", operation, f"its bot user is {other}")


def require_omnichannel_queue(queue: Queue) -> None:
    """An Omnichannel messaging queue: the only kind that receives conversations a bot escalates."""
    if not queue.is_omnichannel or queue.queue_type not in (None, QueueType.MESSAGING):
        messaging = int(QueueType.MESSAGING)
        kind = (
            "not an Omnichannel queue"
            if not queue.is_omnichannel
            else f"an Omnichannel queue of type {queue.queue_type} (messaging is {messaging})"
        )
        raise errors.from_entry("queue-not-omnichannel", f"check the queue {queue.name}", f"it is {kind}")


def require_highest_capacity(members: Iterable[QueueMember], bot_user_id: str, capacity: int) -> None:
    """The bot must have strictly the highest capacity of the queue's members so it takes chats first."""
    rivals = [m for m in members if m.user_id != bot_user_id.lower() and (m.capacity or 0) >= capacity]
    if rivals:
        names = ", ".join(f"{m.full_name} ({m.capacity})" for m in rivals)
        raise errors.from_entry(
            "bot-not-highest-capacity",
            "check the queue's capacities",
            f"the bot's capacity {capacity} is not above {names}",
        )


def require_root_business_unit(user: SystemUser, root: BusinessUnit) -> None:
    if user.business_unit_id != root.id:
        raise errors.from_entry(
            "bot-user-not-in-root-business-unit",
            f"check the bot user {user.id}",
            f"it is in business unit {user.business_unit_id}, the root is {root.id}",
        )
