"""WorkstreamBot (`pulumi-python:dynamic/omnichannel:WorkstreamBot`): the bot user as the workstream's bot.

The workstream is named by name or GUID and read with its bot user's name in one request. Bots only receive
conversations from push workstreams, and a workstream has one bot: at create, a pick workstream is refused,
and so is one whose bot is another bot user (the message names it, name and id); one already bound to our bot
user is adopted (`adopted: true`, nothing written).

Drift: when someone later sets another bot on the workstream this resource bound, refresh reports it and
update sets our bot user back. That restores the state the stack declares for a workstream it already owns;
it is not a take-over (a workstream bound to another bot at create is refused). Changing `workstream` moves
the bot: the new workstream is checked as at create, then our bot user is cleared from the old one. Delete
with the removal override clears our bot user from the workstream, and only if it is still ours.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Mapping, Optional

import pulumi
from pulumi.dynamic import CreateResult, UpdateResult

import components.validation as validation
from components.clients import preflight
from components.clients.dataverse import DataverseClient
from components.clients.records import Workstream

from .base import BindingProvider, BindingResource, unless_gone
from .specs import Spec, State, check_name_or_guid, derived, is_unknown, outputs, prop, same, same_record


@dataclasses.dataclass(frozen=True, kw_only=True)
class WorkstreamBotSpec(Spec):
    user_id: str = prop(validation.check_guid)
    workstream: str = prop(check_name_or_guid("workstream"))
    bot_user_id: Optional[str] = derived()  # desired: our bot user

    MANAGED: ClassVar = {
        "workstream": same_record("workstreamId", "workstreamName"),
        "botUserId": same("botUserId"),
    }

    @classmethod
    def derive(cls, inputs: Mapping[str, Any]) -> dict:
        return {"botUserId": inputs["userId"]}


@dataclasses.dataclass(frozen=True, kw_only=True)
class WorkstreamBotState(State):
    workstream_id: str
    workstream_name: str
    bot_user_id: Optional[str]
    adopted: bool

    @classmethod
    def of(cls, workstream: Workstream, adopted: bool) -> "WorkstreamBotState":
        return cls(
            workstream_id=workstream.id,
            workstream_name=workstream.name,
            bot_user_id=workstream.bot_user_id,
            adopted=bool(adopted),
        )


def bind(
    client: DataverseClient, want: WorkstreamBotSpec, *, owned_id: Optional[str] = None
) -> WorkstreamBotState:
    """Our bot user on the workstream. A push workstream is required; another bot on it is refused, except on
    the workstream this resource already owns (`owned_id`), where it is drift to remediate."""
    workstream = client.workstream(want.workstream)
    owned = workstream.id == owned_id
    # On its own workstream, another bot set since is drift: only the push mode is checked there.
    checked = dataclasses.replace(workstream, bot_user_id=None) if owned else workstream
    preflight.require_bot_workstream(checked, want.user_id)
    adopted = workstream.bot_user_id == want.user_id
    if not adopted:
        workstream = client.set_workstream_bot(workstream.id, want.user_id)
    return WorkstreamBotState.of(workstream, adopted=adopted)


def release(client: DataverseClient, workstream_id: str, user_id: str) -> None:
    """Clear our bot user from a workstream; another bot set there since is left alone."""
    workstream = unless_gone(lambda: client.workstream(workstream_id))
    if workstream is not None and workstream.bot_user_id == user_id:
        client.clear_workstream_bot(workstream_id)


class WorkstreamBotProvider(BindingProvider):
    SPEC = WorkstreamBotSpec
    STATE = WorkstreamBotState
    KIND = "the workstream's bot"
    UNDO = "clears the bot user from the workstream, if it is still this bot's"
    RESOLVES = ("environmentUrl", "workstream")

    def resolve(self, inputs: Mapping[str, Any]) -> None:
        """The workstream exists, is push, and has no other bot (once the bot user is known)."""
        url, name, user_id = inputs.get("environmentUrl"), inputs.get("workstream"), inputs.get("userId")
        if is_unknown(url) or is_unknown(name):
            return
        workstream = self.dataverse(url).workstream(name)
        known = not is_unknown(user_id) and bool(user_id)
        preflight.require_bot_workstream(
            workstream if known else dataclasses.replace(workstream, bot_user_id=None),
            user_id if known else "",
        )

    def create(self, props: Mapping[str, Any]) -> CreateResult:
        want = self.spec_of(props)
        state = bind(self.dataverse(want.environment_url), want)
        return CreateResult(state.workstream_id, outputs(want, state))

    def read(self, id_: str, props: Mapping[str, Any]):
        want, old = self.spec_of(props), WorkstreamBotState.from_wire(props)
        # The workstream of the outputs, not the id: a move keeps the id of the first workstream.
        client = self.dataverse(want.environment_url)
        workstream = unless_gone(lambda: client.workstream(old.workstream_id or id_))
        state = WorkstreamBotState.of(workstream, old.adopted) if workstream else None
        return self.read_result(id_, want, state)

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> UpdateResult:
        want, old = self.spec_of(news), WorkstreamBotState.from_wire(olds)
        client = self.dataverse(want.environment_url)
        state = dataclasses.replace(bind(client, want, owned_id=old.workstream_id), adopted=old.adopted)
        if old.workstream_id and old.workstream_id != state.workstream_id:  # moved: leave the old one
            release(client, old.workstream_id, want.user_id)
        return UpdateResult(outputs(want, state))

    def undo(self, id_: str, spec: Spec, props: Mapping[str, Any]) -> None:
        workstream_id = WorkstreamBotState.from_wire(props).workstream_id or id_
        release(self.dataverse(spec.environment_url), workstream_id, spec.user_id)


class WorkstreamBot(BindingResource, module="omnichannel", name="WorkstreamBot"):
    """The bot user as the bot of a push workstream."""

    PROVIDER: ClassVar[type] = WorkstreamBotProvider

    workstream_id: pulumi.Output[str]
    bot_user_id: pulumi.Output[str]
