"""ConnectedAgentUser (`pulumi-python:dynamic/omnichannel:ConnectedAgentUser`): a Copilot Studio agent's bot
application user, which Copilot Studio's Connect step creates and no API does (reference Corrections 1).

The stack verifies it and never creates, deletes or disables it (pre-creating an application user for an
agent makes Connect fail: MicrosoftDocs/power-platform#1056). It is found by the App ID the stack names
(`handoff:copilotAgentAppId`, the App ID shown under Power Platform admin center > Application users after
Connect); how Connect's user is tied to the agent is not documented, so the App ID is the user's to copy
[I], and when it is empty or wrong the error lists the environment's Copilot Studio bot users to copy it
from. The user must be a bot user, enabled (Disconnect disables it [D: PVA21]), not soft-deleted and in the
root business unit.

What the stack declares on it is what the admin center would otherwise click: its capacity (the highest in
its queue). Drift: a disconnected agent (user disabled) is reported by refresh; an update then fails with
the catalogue error that says to connect it again, since enabling it is Connect's job. Delete with the removal
override forgets the user and changes nothing in Dataverse.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Mapping

import pulumi
from pulumi.dynamic import CreateResult, UpdateResult

import components.validation as validation
from components.clients import preflight
from components.clients.dataverse import DataverseClient
from components.clients.records import SystemUser

from .base import BindingProvider, BindingResource, unless_gone
from .bot_user import BotApplicationUserState
from .specs import Spec, derived, integer, is_unknown, outputs, prop, same


def _optional_app_id(value: Any) -> str:
    return "" if isinstance(value, str) and not value.strip() else validation.check_guid(value)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConnectedAgentUserSpec(Spec):
    bot_app_id: str = prop(_optional_app_id, "")  # empty: the error lists the candidates
    capacity: int = prop(integer(validation.check_capacity), 100)
    enabled: bool = derived(True)

    MANAGED: ClassVar = {"capacity": same("capacity"), "enabled": same("enabled")}


def connected_user(client: DataverseClient, app_id: str) -> SystemUser:
    """The agent's bot user, checked (read-only), or the catalogue error naming the candidates."""
    existing = client.user_by_application_id(app_id) if app_id else None
    user = preflight.require_connected_agent(existing, app_id, client.bot_users)
    preflight.require_root_business_unit(user, client.root_business_unit())
    return user


def preflight_agent_user(client: DataverseClient, app_id: str) -> SystemUser:
    """Everything `create` needs, read-only: deployer, solutions, the connected user."""
    preflight.require_user_administrator(client.caller_roles())
    preflight.require_solutions(preflight.installed_solutions(client), bot_extension=True)
    return connected_user(client, app_id)


def with_capacity(client: DataverseClient, user: SystemUser, capacity: int) -> SystemUser:
    """The user at the declared capacity: the only column the stack writes on an agent's user."""
    return user if user.capacity == capacity else client.update_bot_user(user.id, capacity=capacity)


class ConnectedAgentUserProvider(BindingProvider):
    SPEC = ConnectedAgentUserSpec
    STATE = BotApplicationUserState
    KIND = "the Copilot Studio agent's bot user"
    UNDO = (
        "forgets the agent's bot user: it is Copilot Studio's (Connect made it, Disconnect disables it), so "
        "nothing is changed in Dataverse"
    )
    RESOLVES = ("environmentUrl", "botAppId")

    def resolve(self, inputs: Mapping[str, Any]) -> None:
        url, app_id = inputs.get("environmentUrl"), inputs.get("botAppId")
        if not is_unknown(url) and not is_unknown(app_id):
            preflight_agent_user(self.dataverse(url), app_id or "")

    def create(self, props: Mapping[str, Any]) -> CreateResult:
        want = self.spec_of(props)
        client = self.dataverse(want.environment_url)
        user = with_capacity(client, preflight_agent_user(client, want.bot_app_id), want.capacity)
        return CreateResult(user.id, outputs(want, BotApplicationUserState.of(user, adopted=True)))

    def read(self, id_: str, props: Mapping[str, Any]):
        want = self.spec_of(props)
        user = unless_gone(lambda: self.dataverse(want.environment_url).user_by_id(id_))
        live = user if user is None or not user.is_soft_deleted else None
        return self.read_result(id_, want, BotApplicationUserState.of(live, True) if live else None)

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> UpdateResult:
        want = self.spec_of(news)
        client = self.dataverse(want.environment_url)
        user = connected_user(client, want.bot_app_id)  # a disconnected agent fails here, with what to do
        user = with_capacity(client, user, want.capacity)
        return UpdateResult(outputs(want, BotApplicationUserState.of(user, adopted=True)))


class ConnectedAgentUser(BindingResource, module="omnichannel", name="ConnectedAgentUser"):
    """The Copilot Studio agent's bot user (verified, never created or deleted by the stack)."""

    PROVIDER: ClassVar[type] = ConnectedAgentUserProvider

    user_id: pulumi.Output[str]
    bot_app_id: pulumi.Output[str]
    business_unit_id: pulumi.Output[str]
    capacity: pulumi.Output[int]
    adopted: pulumi.Output[bool]
