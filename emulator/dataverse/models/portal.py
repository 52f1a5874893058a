"""What Copilot Studio's Connect and Disconnect write in a Dataverse environment: the portal steps no API
performs, modelled so tests and the offline trial can click them.

Sources (reference Corrections 1): Connect ("Customer engagement hub → Dynamics 365 Customer Service →
Connect", or the admin center's AI Agents → Connect existing bot) registers the agent with Microsoft and
creates its **bot application user** [D: PVA21, the 2021 hand-off doc: "a bot application user is created"];
the current docs (manage-your-bots.md, configure-bot-virtual-agent.md) say only that the agent "is
automatically registered in Azure and connected". Disconnect disables that user [D: PVA21].

Inferred [I], to be settled on a real tenant (docs/live.md): the App ID is Microsoft-assigned (here a
stable uuid5 of the environment and the agent, so stack files can name it); the user's columns are the bot
columns an admin-made bot user has (agent type bot application user, bot application id = App ID, provider
Copilot Studio 192350000, user type bot user), in the root business unit, Non-interactive access, named
after the agent; Connect gives it no security role (the stack's role child adds the Omnichannel agent role);
a second Connect of a connected agent changes nothing and re-enables a disconnected one.
"""

from __future__ import annotations

import uuid
from typing import Optional

from .store import Environment

#: The namespace of the App IDs the emulated Connect assigns (any fixed UUID; not Microsoft's).
_APP_ID_NAMESPACE = uuid.UUID("6f1b1a52-4c1e-4b8e-9d0a-0c0ffee0c0de")
_BOT_APPLICATION_USER = 192350001  # msdyn_agentType
_COPILOT_STUDIO = 192350000  # msdyn_botprovider
_BOT_USER = 192350001  # msdyn_usertype
_NON_INTERACTIVE = 4  # accessmode


def connect_app_id(environment_url: str, schema_name: str) -> str:
    """The App ID the emulated Connect assigns to an agent: stable for an environment and schema name."""
    return str(uuid.uuid5(_APP_ID_NAMESPACE, f"{environment_url.lower()}|{schema_name.lower()}"))


def _agent(env: Environment, schema_name: str) -> dict:
    for bot in env.rows("bot"):
        if (bot.get("schemaname") or "").casefold() == schema_name.casefold():
            return bot
    raise ValueError(f"no agent with schema name {schema_name!r} in {env.url}")


def _user(env: Environment, app_id: str) -> Optional[dict]:
    return next(
        (u for u in env.rows("systemuser") if (u.get("applicationid") or "").lower() == app_id.lower()),
        None,
    )


def _connected(env: Environment, schema_name: str) -> tuple[dict, str, Optional[dict]]:
    """The agent, the App ID Connect gives it, and its bot user if it has one (the caller holds env.lock)."""
    agent = _agent(env, schema_name)
    app_id = connect_app_id(env.url, agent["schemaname"])
    return agent, app_id, _user(env, app_id)


def connect_agent(env: Environment, schema_name: str) -> dict:
    """Connect the agent: its bot application user, created (or re-enabled). Answers {appId, userId}."""
    schema = env.schema.table("systemuser")
    with env.lock:
        agent, app_id, user = _connected(env, schema_name)
        if user is None:
            root = next(b for b in env.rows("businessunit") if not b.get("parentbusinessunitid"))
            user = env.insert(
                schema,
                {
                    "applicationid": app_id,
                    "lastname": agent.get("name") or agent["schemaname"],
                    "fullname": agent.get("name") or agent["schemaname"],
                    "accessmode": _NON_INTERACTIVE,
                    "msdyn_agentType": _BOT_APPLICATION_USER,
                    "msdyn_botapplicationid": app_id,
                    "msdyn_botprovider": _COPILOT_STUDIO,
                    "msdyn_usertype": _BOT_USER,
                    "msdyn_capacity": 100,
                    "businessunitid": root["businessunitid"],
                },
            )
        elif user.get("isdisabled"):
            env.update(schema, user, {"isdisabled": False})
        return {"appId": app_id, "userId": user["systemuserid"]}


def disconnect_agent(env: Environment, schema_name: str) -> dict:
    """Disconnect the agent: its bot application user, disabled. Answers {appId, userId}."""
    schema = env.schema.table("systemuser")
    with env.lock:
        _, app_id, user = _connected(env, schema_name)
        if user is None:
            raise ValueError(f"the agent {schema_name!r} is not connected in {env.url}")
        env.update(schema, user, {"isdisabled": True})
        return {"appId": app_id, "userId": user["systemuserid"]}
