"""QueueMembership (`pulumi-python:dynamic/omnichannel:QueueMembership`): the bot user in its Omnichannel
queue.

The queue is named by name or GUID and read in one request with its members and their capacities (an N:N
`$expand`). It must be an Omnichannel messaging queue (a catalogue error otherwise). Joining it twice is
success. Omnichannel offers a conversation first to the member with the highest capacity, so the bot must
have more capacity than every other member to take conversations first: when it does not, the resource
reports it in its `warnings` output (a list of strings) instead of failing, and the OmnichannelBinding logs
each with `pulumi.log.warn` so `pulumi up` shows it.

Drift: the bot removed from its queue reads `member: false`; update adds it again. Changing `queue` moves the
bot: it joins the new queue, then leaves the old one. A changed capacity of the bot is an update too, which
reads the members again and reports the warnings anew. Delete with the removal override takes the bot out of
the queue.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Mapping

import pulumi
from pulumi.dynamic import CreateResult, UpdateResult

import components.validation as validation
from components.clients import errors, preflight
from components.clients.dataverse import DataverseClient
from components.clients.records import QueueWithMembers

from .base import BindingProvider, BindingResource, unless_gone
from .specs import (
    Spec,
    State,
    check_name_or_guid,
    derived,
    integer,
    is_unknown,
    outputs,
    prop,
    same,
    same_record,
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class QueueMembershipSpec(Spec):
    user_id: str = prop(validation.check_guid)
    queue: str = prop(check_name_or_guid("queue"))
    capacity: int = prop(integer(validation.check_capacity), 100)  # the bot's, compared with the others
    member: bool = derived(True)

    # The bot's capacity too: the warnings depend on it, so a lowered capacity is checked again on `up` as a
    # fresh stack would be (issue 15, 4).
    MANAGED: ClassVar = {
        "queue": same_record("queueId", "queueName"),
        "member": same("member"),
        "capacity": same("capacity"),
    }


@dataclasses.dataclass(frozen=True, kw_only=True)
class QueueMembershipState(State):
    queue_id: str
    queue_name: str
    member: bool
    warnings: tuple[str, ...]

    @classmethod
    def of(cls, found: QueueWithMembers, want: QueueMembershipSpec, member: bool) -> "QueueMembershipState":
        return cls(
            queue_id=found.queue.id,
            queue_name=found.queue.name,
            member=member,
            warnings=capacity_warnings(found, want),
        )


def capacity_warnings(found: QueueWithMembers, want: QueueMembershipSpec) -> tuple[str, ...]:
    """One line per problem a user should see but that must not stop the deployment."""
    try:
        preflight.require_highest_capacity(found.members, want.user_id, want.capacity)
    except errors.ValidationError as exc:
        return (
            f"queue {found.queue.name!r}: {exc.detail}, so the bot does not take conversations first. "
            f"{exc.entry.mitigation} [{exc.entry.key}]",
        )
    return ()


def join(client: DataverseClient, want: QueueMembershipSpec) -> QueueMembershipState:
    found = client.queue_with_members(want.queue)
    preflight.require_omnichannel_queue(found.queue)
    client.add_queue_member(found.queue.id, want.user_id)  # False when already a member: success either way
    return QueueMembershipState.of(found, want, member=True)


class QueueMembershipProvider(BindingProvider):
    SPEC = QueueMembershipSpec
    STATE = QueueMembershipState
    KIND = "the bot's queue membership"
    UNDO = "takes the bot user out of the queue"
    RESOLVES = ("environmentUrl", "queue")

    def resolve(self, inputs: Mapping[str, Any]) -> None:
        """The queue exists and is an Omnichannel messaging queue."""
        url, name = inputs.get("environmentUrl"), inputs.get("queue")
        if not is_unknown(url) and not is_unknown(name):
            preflight.require_omnichannel_queue(self.dataverse(url).queue_with_members(name).queue)

    def create(self, props: Mapping[str, Any]) -> CreateResult:
        want = self.spec_of(props)
        state = join(self.dataverse(want.environment_url), want)
        return CreateResult(f"{state.queue_id}/{want.user_id}", outputs(want, state))

    def read(self, id_: str, props: Mapping[str, Any]):
        want, old = self.spec_of(props), QueueMembershipState.from_wire(props)
        found = unless_gone(lambda: self.dataverse(want.environment_url).queue_with_members(old.queue_id))
        state = QueueMembershipState.of(found, want, found.has_member(want.user_id)) if found else None
        return self.read_result(id_, want, state)

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> UpdateResult:
        want, old = self.spec_of(news), QueueMembershipState.from_wire(olds)
        client = self.dataverse(want.environment_url)
        state = join(client, want)
        if old.queue_id and old.queue_id != state.queue_id:  # moved to another queue: leave the old one
            client.remove_queue_member(old.queue_id, want.user_id)
        return UpdateResult(outputs(want, state))

    def undo(self, id_: str, spec: Spec, props: Mapping[str, Any]) -> None:
        queue_id = QueueMembershipState.from_wire(props).queue_id
        unless_gone(lambda: self.dataverse(spec.environment_url).remove_queue_member(queue_id, spec.user_id))


class QueueMembership(BindingResource, module="omnichannel", name="QueueMembership"):
    """The bot user as a member of its Omnichannel queue."""

    PROVIDER: ClassVar[type] = QueueMembershipProvider

    queue_id: pulumi.Output[str]
    warnings: pulumi.Output[list]
