"""RoleAssignment (`pulumi-python:dynamic/omnichannel:RoleAssignment`): the "Omnichannel agent" security role
on the bot's application user.

Roles are copied into every business unit and a user can only hold its own business unit's copy, so the role
is found by name in the bot user's business unit (the root one, where the bot user is created or checked to
be): its id comes from the BotApplicationUser's `businessUnitId` output, which saves a request. Already
assigned is success (Dataverse's duplicate-pair answer), so a re-run after a failure never fails on it.

Drift: a role removed in the admin center reads `assigned: false` and update assigns it again. Delete with the
removal override takes the role away (the user stays, disabled by its own resource).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Mapping

import pulumi
from pulumi.dynamic import CreateResult, UpdateResult

import components.validation as validation
from components import names
from components.clients.dataverse import DataverseClient

from .base import BindingProvider, BindingResource, unless_gone
from .specs import Spec, State, check_text, derived, is_unknown, outputs, prop, same

OMNICHANNEL_AGENT = names.OMNICHANNEL_AGENT_ROLE


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoleAssignmentSpec(Spec):
    user_id: str = prop(validation.check_guid)
    business_unit_id: str = prop(validation.check_guid)
    role_name: str = prop(check_text(100), OMNICHANNEL_AGENT)
    assigned: bool = derived(True)

    MANAGED: ClassVar = {"roleName": same("roleName", fold=True), "assigned": same("assigned")}


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoleAssignmentState(State):
    role_id: str
    role_name: str
    assigned: bool


def assign(client: DataverseClient, want: RoleAssignmentSpec) -> RoleAssignmentState:
    role = client.role_by_name(want.role_name, want.business_unit_id)
    client.associate_role(want.user_id, role.id)  # False when it already had it: success either way
    return RoleAssignmentState(role_id=role.id, role_name=role.name, assigned=True)


class RoleAssignmentProvider(BindingProvider):
    SPEC = RoleAssignmentSpec
    STATE = RoleAssignmentState
    KIND = "the bot user's role assignment"
    UNDO = "takes the role away from the bot user"
    RESOLVES = ("environmentUrl", "roleName")

    def resolve(self, inputs: Mapping[str, Any]) -> None:
        """The role exists in the bot user's business unit (the root one before the user is known)."""
        url, name, unit = inputs.get("environmentUrl"), inputs.get("roleName"), inputs.get("businessUnitId")
        if is_unknown(url) or is_unknown(name):
            return
        client = self.dataverse(url)
        client.role_by_name(name, client.root_business_unit().id if is_unknown(unit) or not unit else unit)

    def create(self, props: Mapping[str, Any]) -> CreateResult:
        want = self.spec_of(props)
        state = assign(self.dataverse(want.environment_url), want)
        return CreateResult(f"{want.user_id}/{state.role_id}", outputs(want, state))

    def read(self, id_: str, props: Mapping[str, Any]):
        want, old = self.spec_of(props), RoleAssignmentState.from_wire(props)
        roles = unless_gone(lambda: self.dataverse(want.environment_url).user_roles(want.user_id))
        if roles is None:  # the user is gone, and its role assignment with it
            return self.read_result(id_, want, None)
        assigned = old.role_id in {role.id for role in roles}
        return self.read_result(id_, want, dataclasses.replace(old, assigned=assigned))

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> UpdateResult:
        want = self.spec_of(news)
        client = self.dataverse(want.environment_url)
        state, old = assign(client, want), RoleAssignmentState.from_wire(olds)
        if old.role_id and old.role_id != state.role_id:  # roleName changed: the old role goes
            client.disassociate_role(want.user_id, old.role_id)
        return UpdateResult(outputs(want, state))

    def undo(self, id_: str, spec: Spec, props: Mapping[str, Any]) -> None:
        role_id = RoleAssignmentState.from_wire(props).role_id
        unless_gone(lambda: self.dataverse(spec.environment_url).disassociate_role(spec.user_id, role_id))


class RoleAssignment(BindingResource, module="omnichannel", name="RoleAssignment"):
    """The Omnichannel agent role on the bot user."""

    PROVIDER: ClassVar[type] = RoleAssignmentProvider

    role_id: pulumi.Output[str]
    assigned: pulumi.Output[bool]
