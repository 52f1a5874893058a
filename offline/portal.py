"""Portal-like changes: what an administrator clicking in the Power Platform admin center, the Omnichannel
admin center or Copilot Studio would change behind the binding's back, made through the emulator's Dataverse
Web API as that administrator, with the product's own Dataverse client (its sign-in, retries and
errors).

The administrator is `handoff-portal-admin` (app dddddddd-…, System Administrator in the dev and prod
environments; offline/fixtures/portal-admin.json): the emulator signs in applications only, so the person is
an application user here, and the request log tells its requests from the deployer's by `caller`. Records are
found by their natural keys from the stack config (bot application id, queue and workstream names, agent
schema name, context variable names), as a person finds them on screen, never from the runner's state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from typing import Any, Callable, Iterator, Mapping, Optional

from components import names
from components.clients import errors
from components.clients.config import ClientConfig
from components.clients.dataverse import DataverseClient
from components.clients.records import SystemUser
from components.config_keys import AZURE_BOT, COPILOT_STUDIO, parse_value

from .emulator import PORTAL_ADMIN_SEED, EmulatorTarget

_ADMIN = json.loads(PORTAL_ADMIN_SEED.read_text(encoding="utf-8"))["directory"]["applications"][0]
PORTAL_ADMIN_APP: str = _ADMIN["appId"]
_ADMIN_SECRET: str = _ADMIN["passwordCredentials"][0]["secretText"]  # the fixture's fake secret
AGENT_ROLE = names.OMNICHANNEL_AGENT_ROLE


class PortalError(Exception):
    """The portal-like change could not be made (a record is missing, or the service refused)."""


@dataclasses.dataclass(frozen=True)
class Binding:
    """What the change is about, from the stack config: where, and the records' natural keys."""

    environment_url: str
    tenant_id: str
    bot_provider: str
    bot_app_id: str
    queue: str
    workstream: str
    agent_schema_name: str  # "" for an Azure bot
    context_variables: tuple[str, ...]

    @property
    def is_copilot_agent(self) -> bool:
        return self.bot_provider == COPILOT_STUDIO

    @classmethod
    def from_config(
        cls, config: Mapping[str, str], bot_app_id: Optional[str] = None, project: str = names.PROJECT
    ) -> "Binding":
        """The binding's keys from the engine-shaped stack config, parsed as the program parses them. An
        agent's App ID is the stack's copilotAgentAppId, an Azure bot's its app registration's."""

        def key(name: str) -> Any:
            try:
                return parse_value(name, config.get(f"{project}:{name}"))
            except ValueError as exc:
                raise PortalError(f"{project}:{name} {exc}") from None

        provider = key("botProvider")
        agent = provider == COPILOT_STUDIO
        app_id = key("copilotAgentAppId") if agent else bot_app_id
        if not app_id:
            raise PortalError(
                f"{project}:copilotAgentAppId is empty: the portal finds the agent's user by it"
            )
        return cls(
            environment_url=key("dataverseUrl"),
            tenant_id=key("tenantId"),
            bot_provider=provider,
            bot_app_id=app_id.lower(),
            queue=key("queue"),
            workstream=key("workstream"),
            agent_schema_name=key("copilotAgentSchemaName") if agent else "",
            context_variables=tuple(variable.name for variable in key("contextVariables")),
        )


@contextlib.contextmanager
def _trusting(ca_path: str) -> Iterator[None]:
    """The emulator's CA trusted for the duration of one change (the product's sessions read
    REQUESTS_CA_BUNDLE, as they do in the provider process); the previous value is restored after."""
    before = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = ca_path
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = before


class PortalSession:
    """The product's Dataverse client for one environment, signed in as the portal administrator."""

    def __init__(self, target: EmulatorTarget, binding: Binding) -> None:
        self.binding, self.target = binding, target
        config = ClientConfig.from_mapping(
            {f"{names.PROJECT}:{key}": value for key, value in target.overrides().items()}
        )
        credentials = {
            "ARM_CLIENT_ID": PORTAL_ADMIN_APP,
            "ARM_TENANT_ID": binding.tenant_id,
            "ARM_CLIENT_SECRET": _ADMIN_SECRET,
            "ARM_USE_CLI": "false",
        }
        self.client = DataverseClient.connect(config, binding.environment_url, environ=credentials)

    def request(self, method: str, path: str, body: Any = None, *, operation: str) -> Any:
        """A Web API write the client has no method for (what only a portal does)."""
        return self.client.session.request(
            method, path, operation=operation, json=body, expected=(200, 201, 204)
        ).body

    # --- the records a person would open ---------------------------------------------------------------
    def bot_user(self) -> SystemUser:
        user = self.client.user_by_application_id(self.binding.bot_app_id)
        if user is None:
            raise PortalError(
                f"the bot's application user ({self.binding.bot_app_id}) not found in "
                f"{self.binding.environment_url}: deploy first (`up`)"
            )
        return user

    def other_bot_user(self) -> SystemUser:
        found = [u for u in self.client.bot_users() if u.application_id != self.binding.bot_app_id]
        if not found:
            raise PortalError(f"no other bot user in {self.binding.environment_url}")
        return found[0]

    def queue_id(self) -> str:
        return self.client.queue(self.binding.queue).id

    def workstream_id(self) -> str:
        return self.client.workstream(self.binding.workstream).id


# --- the changes -----------------------------------------------------------------------------------------
def _remove_queue_membership(portal: PortalSession) -> str:
    portal.client.remove_queue_member(portal.queue_id(), portal.bot_user().id)
    return f"removed the bot user from queue {portal.binding.queue!r}"


def _replace_workstream_bot(portal: PortalSession) -> str:
    other = portal.other_bot_user()
    portal.client.set_workstream_bot(portal.workstream_id(), other.id)
    return f"set {other.full_name or other.id} as the bot of workstream {portal.binding.workstream!r}"


def _remove_role(portal: PortalSession) -> str:
    user = portal.bot_user()
    role = portal.client.role_by_name(AGENT_ROLE, user.business_unit_id)
    portal.client.disassociate_role(user.id, role.id)
    return f"removed the {AGENT_ROLE!r} role from the bot user"


def _disable_bot_user(portal: PortalSession) -> str:
    user = portal.bot_user()
    portal.request("PATCH", f"systemusers({user.id})", {"isdisabled": True}, operation="disable the bot user")
    return "disabled the bot user"


def _edit_agent_unpublished(portal: PortalSession) -> str:
    agent = portal.client.agent(portal.binding.agent_schema_name)
    topics = portal.client.session.collect(
        "botcomponents",
        operation="list the agent's topics",
        params={"$select": "botcomponentid,name", "$filter": f"_parentbotid_value eq {agent.id}"},
    )
    if topics:
        portal.request(
            "PATCH",
            f"botcomponents({topics[0]['botcomponentid']})",
            {"content": "kind: AdaptiveDialog  # edited in Copilot Studio, not published"},
            operation="edit a topic",
        )
        return f"edited topic {topics[0].get('name')!r} of agent {agent.name!r} without publishing"
    portal.request(
        "POST",
        "botcomponents",
        {
            "name": "Edited in the portal",
            "schemaname": f"{agent.schema_name}.topic.EditedInPortal",
            "componenttype": 0,
            "content": "kind: AdaptiveDialog",
            "parentbotid@odata.bind": f"/bots({agent.id})",
        },
        operation="add a topic",
    )
    return f"added a topic to agent {agent.name!r} without publishing"


def _delete_context_variable(portal: PortalSession) -> str:
    if not portal.binding.context_variables:
        raise PortalError("the stack declares no context variables (handoff:contextVariables)")
    name = portal.binding.context_variables[0]
    # Names are exact, as Omnichannel matches them and the binding adopts them.
    variables = portal.client.context_variables(portal.workstream_id())
    found = [v for v in variables if v.name == name]
    if not found:
        raise PortalError(f"context variable {name!r} not found: deploy first (`up`)")
    portal.client.delete_context_variable(found[0].id)
    return f"deleted context variable {name!r} from workstream {portal.binding.workstream!r}"


def _connect_agent(portal: PortalSession) -> str:
    """Copilot Studio's Connect (no API does it: the emulator's control plane models it)."""
    found = portal.target.connect_agent(portal.binding.environment_url, portal.binding.agent_schema_name)
    return (
        f"connected agent {portal.binding.agent_schema_name!r} in Copilot Studio (Customer engagement hub > "
        f"Dynamics 365 Customer Service > Connect): its bot user has App ID {found['appId']}"
    )


def _disconnect_agent(portal: PortalSession) -> str:
    portal.target.disconnect_agent(portal.binding.environment_url, portal.binding.agent_schema_name)
    return (
        f"disconnected agent {portal.binding.agent_schema_name!r} in Copilot Studio (its bot user disabled)"
    )


BOTH = (COPILOT_STUDIO, AZURE_BOT)


@dataclasses.dataclass(frozen=True)
class PortalChange:
    name: str
    summary: str
    drifts: str  # the dynamic resource type (after the module) that refresh should report
    apply: Callable[[PortalSession], str]
    kinds: tuple[str, ...] = BOTH  # the bot kinds it can be made on
    remediable: bool = True  # `up --refresh` puts it back (a Disconnect is Copilot Studio's to undo)


CHANGES: Mapping[str, PortalChange] = {
    change.name: change
    for change in (
        PortalChange(
            "remove-queue-membership",
            "remove the bot from its queue",
            "omnichannel:QueueMembership",
            _remove_queue_membership,
        ),
        PortalChange(
            "replace-workstream-bot",
            "set another bot on the workstream",
            "omnichannel:WorkstreamBot",
            _replace_workstream_bot,
        ),
        PortalChange(
            "remove-role",
            "remove the Omnichannel agent role from the bot user",
            "omnichannel:RoleAssignment",
            _remove_role,
        ),
        PortalChange(
            "disable-bot-user",
            "disable the bot's application user",
            "omnichannel:BotApplicationUser",
            _disable_bot_user,
            kinds=(AZURE_BOT,),
        ),
        PortalChange(
            "disconnect-agent",
            "disconnect the agent in Copilot Studio",
            "omnichannel:ConnectedAgentUser",
            _disconnect_agent,
            kinds=(COPILOT_STUDIO,),
            remediable=False,
        ),
        PortalChange(
            "edit-agent-unpublished",
            "edit the agent in Copilot Studio without publishing",
            "copilot:CopilotAgent",
            _edit_agent_unpublished,
            kinds=(COPILOT_STUDIO,),
        ),
        PortalChange(
            "delete-context-variable",
            "delete one of the workstream's context variables",
            "omnichannel:ContextVariables",
            _delete_context_variable,
        ),
    )
}


# Portal steps that are no drift: the setup an administrator clicks before the stack can bind (no API).
STEPS: Mapping[str, PortalChange] = {
    "connect-agent": PortalChange(
        "connect-agent",
        "connect the agent in Copilot Studio",
        "",
        _connect_agent,
        kinds=(COPILOT_STUDIO,),
    )
}


def changes_for(bot_provider: str) -> tuple[str, ...]:
    """The portal changes that can be made on a stack of this kind (the drift the trial can show)."""
    return tuple(name for name, change in CHANGES.items() if bot_provider in change.kinds)


def apply_change(name: str, target: EmulatorTarget, binding: Binding, seed: bool = True) -> str:
    """Make the change `name` (see CHANGES); returns what was done, in words."""
    change: Optional[PortalChange] = CHANGES.get(name) or STEPS.get(name)
    if change is None:
        raise PortalError(f"unknown portal change {name!r}; one of: {', '.join(CHANGES)}")
    if binding.bot_provider not in change.kinds:
        raise PortalError(f"{name} does not apply to a stack with handoff:botProvider {binding.bot_provider}")
    if seed:  # the administrator's identity; seeding is idempotent
        target.seed_files([PORTAL_ADMIN_SEED])
    with _trusting(target.ca_path):
        try:
            return change.apply(PortalSession(target, binding))
        except errors.ClientError as exc:
            raise PortalError(str(exc)) from None
