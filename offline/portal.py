"""Portal-like changes: what an administrator clicking in the Power Platform admin center, the Omnichannel
admin center or Copilot Studio would change behind the binding's back, made through the emulator's Dataverse
Web API as that administrator.

The administrator is `handoff-portal-admin` (app dddddddd-…, System Administrator in the dev and prod
environments; offline/fixtures/portal-admin.json): the emulator signs in applications only, so the person is
an application user here, and the request log tells its requests from the deployer's by `caller`. Records are
found by their natural keys from the stack config (bot application id, queue and workstream names, agent
schema name, context variable names), as a person finds them on screen, never from the runner's state.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Callable, Mapping, Optional

import requests

from .emulator import PORTAL_ADMIN_SEED, EmulatorTarget

_ADMIN = json.loads(PORTAL_ADMIN_SEED.read_text(encoding="utf-8"))["directory"]["applications"][0]
PORTAL_ADMIN_APP: str = _ADMIN["appId"]
_ADMIN_SECRET: str = _ADMIN["passwordCredentials"][0]["secretText"]  # the fixture's fake secret
BOT_AGENT_TYPE = 192350001  # systemuser.msdyn_agentType: bot (reference §5)
AGENT_ROLE = "Omnichannel agent"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TIMEOUT = 10.0


class PortalError(Exception):
    """The portal-like change could not be made (a record is missing, or the service refused)."""


@dataclasses.dataclass(frozen=True)
class Binding:
    """What the change is about, from the stack config: where, and the records' natural keys."""

    environment_url: str
    tenant_id: str
    bot_app_id: str
    queue: str
    workstream: str
    agent_schema_name: str
    context_variables: tuple[str, ...]

    @classmethod
    def from_config(cls, config: Mapping[str, str], bot_app_id: str, project: str = "handoff") -> "Binding":
        def key(name: str) -> str:
            return config.get(f"{project}:{name}", "")

        variables = tuple(item.split(":", 1)[0] for item in json.loads(key("contextVariables") or "[]"))
        return cls(
            key("dataverseUrl").rstrip("/"),
            key("tenantId"),
            bot_app_id.lower(),
            key("queue"),
            key("workstream"),
            key("copilotAgentSchemaName"),
            variables,
        )


class PortalSession:
    """Web API requests to one environment as the portal administrator, over TLS to the emulator."""

    def __init__(self, target: EmulatorTarget, binding: Binding) -> None:
        self.binding = binding
        self.base = f"{target.base_url}/api/data/v9.2/"
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = target.ca_path
        token = self.session.post(
            f"{target.base_url}/{binding.tenant_id}/oauth2/v2.0/token",
            timeout=_TIMEOUT,
            data={
                "grant_type": "client_credentials",
                "client_id": PORTAL_ADMIN_APP,
                "client_secret": _ADMIN_SECRET,
                "scope": f"{binding.environment_url}/.default",
            },
        )
        if token.status_code != 200:
            raise PortalError(
                f"the portal administrator cannot sign in: HTTP {token.status_code} "
                f"{token.text[:200]} (was offline/fixtures/portal-admin.json seeded?)"
            )
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token.json()['access_token']}",
                "Accept": "application/json",
                "OData-MaxVersion": "4.0",
                "OData-Version": "4.0",
            }
        )

    def request(self, method: str, path: str, body: Any = None) -> Any:
        response = self.session.request(method, self.base + path, json=body, timeout=_TIMEOUT)
        if response.status_code >= 400:
            raise PortalError(
                f"{method} {path.split('?')[0]}: HTTP {response.status_code} {response.text[:300]}"
            )
        return response.json() if response.content else None

    def one(self, entity_set: str, filter_: str, what: str) -> dict:
        rows = self.request("GET", f"{entity_set}?$filter={filter_}")["value"]
        if not rows:
            raise PortalError(f"{what} not found in {self.binding.environment_url}: deploy first (`up`)")
        return rows[0]

    # --- the records a person would open ---------------------------------------------------------------
    def bot_user(self) -> dict:
        return self.one(
            "systemusers",
            f"applicationid eq {self.binding.bot_app_id}",
            f"the bot's application user ({self.binding.bot_app_id})",
        )

    def queue_id(self) -> str:
        name = self.binding.queue
        if _GUID.match(name):
            return name
        return self.one("queues", f"name eq {_quoted(name)}", f"queue {name!r}")["queueid"]

    def workstream_id(self) -> str:
        name = self.binding.workstream
        if _GUID.match(name):
            return name
        return self.one("msdyn_liveworkstreams", f"msdyn_name eq {_quoted(name)}", f"workstream {name!r}")[
            "msdyn_liveworkstreamid"
        ]

    def agent(self) -> dict:
        schema = self.binding.agent_schema_name
        return self.one("bots", f"schemaname eq {_quoted(schema)}", f"agent {schema!r}")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- the changes -----------------------------------------------------------------------------------------
def _remove_queue_membership(portal: PortalSession) -> str:
    user, queue = portal.bot_user(), portal.queue_id()
    portal.request("DELETE", f"queues({queue})/queuemembership_association({user['systemuserid']})/$ref")
    return f"removed the bot user from queue {portal.binding.queue!r}"


def _replace_workstream_bot(portal: PortalSession) -> str:
    other = portal.one(
        "systemusers",
        f"msdyn_agentType eq {BOT_AGENT_TYPE} and applicationid ne {portal.binding.bot_app_id}",
        "another bot user",
    )
    portal.request(
        "PATCH",
        f"msdyn_liveworkstreams({portal.workstream_id()})",
        {"msdyn_bot_user@odata.bind": f"/systemusers({other['systemuserid']})"},
    )
    who = other.get("fullname") or other["systemuserid"]
    return f"set {who} as the bot of workstream {portal.binding.workstream!r}"


def _remove_role(portal: PortalSession) -> str:
    user = portal.bot_user()
    role = portal.one(
        "roles",
        f"name eq {_quoted(AGENT_ROLE)} and _businessunitid_value eq {user['_businessunitid_value']}",
        f"role {AGENT_ROLE!r}",
    )
    portal.request(
        "DELETE", f"systemusers({user['systemuserid']})/systemuserroles_association({role['roleid']})/$ref"
    )
    return f"removed the {AGENT_ROLE!r} role from the bot user"


def _disable_bot_user(portal: PortalSession) -> str:
    portal.request("PATCH", f"systemusers({portal.bot_user()['systemuserid']})", {"isdisabled": True})
    return "disabled the bot user"


def _edit_agent_unpublished(portal: PortalSession) -> str:
    agent = portal.agent()
    topics = portal.request("GET", f"botcomponents?$filter=_parentbotid_value eq {agent['botid']}")["value"]
    if topics:
        portal.request(
            "PATCH",
            f"botcomponents({topics[0]['botcomponentid']})",
            {"content": "kind: AdaptiveDialog  # edited in Copilot Studio, not published"},
        )
        return f"edited topic {topics[0].get('name')!r} of agent {agent['name']!r} without publishing"
    portal.request(
        "POST",
        "botcomponents",
        {
            "name": "Edited in the portal",
            "schemaname": f"{agent['schemaname']}.topic.EditedInPortal",
            "componenttype": 0,
            "content": "kind: AdaptiveDialog",
            "parentbotid@odata.bind": f"/bots({agent['botid']})",
        },
    )
    return f"added a topic to agent {agent['name']!r} without publishing"


def _delete_context_variable(portal: PortalSession) -> str:
    if not portal.binding.context_variables:
        raise PortalError("the stack declares no context variables (handoff:contextVariables)")
    name = portal.binding.context_variables[0]
    entity_set = "msdyn_ocliveworkstreamcontextvariables"
    variable = portal.one(
        entity_set,
        f"_msdyn_liveworkstreamid_value eq {portal.workstream_id()} and msdyn_name eq {_quoted(name)}",
        f"context variable {name!r}",
    )
    portal.request("DELETE", f"{entity_set}({variable['msdyn_ocliveworkstreamcontextvariableid']})")
    return f"deleted context variable {name!r} from workstream {portal.binding.workstream!r}"


@dataclasses.dataclass(frozen=True)
class PortalChange:
    name: str
    summary: str
    drifts: str  # the dynamic resource type (after the module) that refresh should report
    apply: Callable[[PortalSession], str]


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
        ),
        PortalChange(
            "edit-agent-unpublished",
            "edit the agent in Copilot Studio without publishing",
            "copilot:CopilotAgent",
            _edit_agent_unpublished,
        ),
        PortalChange(
            "delete-context-variable",
            "delete one of the workstream's context variables",
            "omnichannel:ContextVariables",
            _delete_context_variable,
        ),
    )
}


def apply_change(name: str, target: EmulatorTarget, binding: Binding, seed: bool = True) -> str:
    """Make the change `name` (see CHANGES); returns what was done, in words."""
    change: Optional[PortalChange] = CHANGES.get(name)
    if change is None:
        raise PortalError(f"unknown portal change {name!r}; one of: {', '.join(CHANGES)}")
    if seed:  # the administrator's identity; seeding is idempotent
        target.seed_files([PORTAL_ADMIN_SEED])
    portal = PortalSession(target, binding)
    try:
        return change.apply(portal)
    finally:
        portal.session.close()
