"""ContextVariables (`pulumi-python:dynamic/omnichannel:ContextVariables`): the workstream context variables
the bot passes on at hand-off, declared as `name:type` (text or number), so routing rules can use the
conversation's context.

Each declared variable exists on the workstream with the declared type: a missing one is created, one of the
wrong type is changed (or, if the service refuses, the run fails with what to do). Names are case-sensitive
and must match exactly, as Omnichannel matches them (context-variables-for-bot.md): a live `OrderId` is not
the declared `orderId`, which is created beside it. Variables nobody declared in the stack (system ones such
as Locale, others made in the admin center) are left alone, and a declared variable that already existed is
adopted.

Removing a variable from the stack deletes it from the workstream, but only if this resource created it
(`created` output); an adopted one is released, not deleted. When the bot moves to another workstream, the
variables move with it: they are made on the new one and those this resource created leave the old one. Drift:
a declared variable deleted or retyped in the admin center is reported and restored. Delete with the removal
override deletes the variables this resource created and nothing else.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Iterable, Mapping, Optional

import pulumi
from pulumi.dynamic import CreateResult, UpdateResult

import components.validation as validation
from components.clients import errors
from components.clients.dataverse import DataverseClient
from components.clients.records import ContextVariable, ContextVariableType

from .base import BindingProvider, BindingResource, create_or_find, unless_gone
from .specs import Spec, State, check_variables, outputs, prop, same


def declared(entries: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{name: (name, type)} of `name:type` entries (names exact, types lower-case)."""
    pairs = (entry.rsplit(":", 1) for entry in entries or ())
    return {name: (name, kind.lower()) for name, kind in pairs}


def entry(variable: ContextVariable) -> str:
    return f"{variable.name}:{variable.data_type.name.lower()}"


def same_variables(desired: Any, live: Mapping[str, Any]) -> bool:
    """Every declared variable is live with its type, and no variable this resource created and the stack no
    longer declares is left behind."""
    want, have = declared(desired), declared(live.get("variables"))
    if any(have.get(name, (None, None))[1] != kind for name, (_, kind) in want.items()):
        return False
    created = set(live.get("created") or ())
    return not ((set(have) - set(want)) & created)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContextVariablesSpec(Spec):
    workstream_id: str = prop(validation.check_guid)
    variables: tuple[str, ...] = prop(check_variables, ())

    # The workstream too: when the bot moves to another workstream, the variables move with it (issue 15, 3).
    MANAGED: ClassVar = {"variables": same_variables, "workstreamId": same("workstreamId")}


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContextVariablesState(State):
    variables: tuple[str, ...]  # the declared ones as they are live, `Name:type`
    declared: tuple[str, ...]  # names the stack declared when last applied
    created: tuple[str, ...]  # names this resource created (the only ones it ever deletes)

    @classmethod
    def of(
        cls, live: Iterable[ContextVariable], names: Iterable[str], created: Iterable[str]
    ) -> "ContextVariablesState":
        names = tuple(names)
        by_name = {v.name: v for v in live}
        return cls(
            variables=tuple(entry(by_name[n]) for n in names if n in by_name),
            declared=names,
            created=tuple(sorted(set(created) & set(names))),
        )


def create_variable(
    client: DataverseClient, workstream_id: str, name: str, data_type: ContextVariableType
) -> ContextVariable:
    """The variable, created; the name is unique per workstream, so a lost answer or a conflict (someone
    made it meanwhile) is settled by reading it back."""

    def find() -> Optional[ContextVariable]:
        return next((v for v in client.context_variables(workstream_id) if v.name == name), None)

    try:
        return create_or_find(lambda: client.create_context_variable(workstream_id, name, data_type), find)
    except errors.ConflictError:
        found = find()
        if found is None:
            raise
        return found


def retype(
    client: DataverseClient, variable: ContextVariable, data_type: ContextVariableType
) -> ContextVariable:
    try:
        return client.update_context_variable(variable.id, data_type=data_type)
    except errors.ValidationError as exc:
        raise errors.from_entry(
            "request-invalid",
            f"change the type of context variable {variable.name!r}",
            f"it is {variable.data_type.name.lower()} on the workstream, the stack declares "
            f"{data_type.name.lower()}, and the service refused the change "
            f"({exc.service_message or exc.detail}); declare its current type, or delete the variable in the "
            "Customer Service admin center and re-run",
        ) from None


def reconcile(
    client: DataverseClient, want: ContextVariablesSpec, old: Optional[ContextVariablesState] = None
) -> ContextVariablesState:
    """The declared variables live with their types; those this resource made and the stack dropped, gone."""
    desired = declared(want.variables)
    created = set(old.created or ()) if old else set()
    dropped = (set(old.declared or ()) - set(desired)) & created if old else set()
    if not desired and not dropped:
        return ContextVariablesState.of((), (), ())
    live = {v.name: v for v in client.context_variables(want.workstream_id)}
    # Deletes and retypes before creates: when a step fails the engine keeps the old outputs, so a variable
    # created before the failure would be adopted (not owned) by the next run, and never deleted by the stack.
    for key in dropped:
        if key in live:
            client.delete_context_variable(live.pop(key).id)
    for key, (name, kind) in desired.items():
        if key in live and live[key].data_type != ContextVariableType.named(kind):
            live[key] = retype(client, live[key], ContextVariableType.named(kind))
    made: list[ContextVariable] = []
    try:
        for key, (name, kind) in desired.items():
            if key not in live:
                live[key] = create_variable(client, want.workstream_id, name, ContextVariableType.named(kind))
                made.append(live[key])
                created.add(key)
    except errors.ClientError as failure:
        # The engine records nothing of a failed step: variables made by this call would be adopted, not
        # owned, by the re-run (and never deleted by the stack). Take them back: the re-run makes them again.
        take_back(client, made, failure)
        raise
    return ContextVariablesState.of(live.values(), desired, created - dropped)


def take_back(client: DataverseClient, made: Iterable[ContextVariable], failure: BaseException) -> None:
    """Delete the variables a failed call made; what cannot be deleted is named on the failure (a note, shown
    with its message), since the next run will adopt it rather than own it."""
    left = []
    for variable in made:
        try:
            client.delete_context_variable(variable.id)
        except errors.ClientError:
            left.append(variable.name)
    if left:
        failure.add_note(
            f"context variables created before this failure could not be deleted again: "
            f"{', '.join(left)}; the next run adopts them (it will not delete them later): "
            "delete them in the Customer Service admin center first if the stack must own them"
        )


def remove_created(client: DataverseClient, workstream_id: str, created: Iterable[str]) -> None:
    """Delete, from the workstream, the variables this stack created (never others; a gone one is done)."""
    names = set(created)
    for variable in unless_gone(lambda: client.context_variables(workstream_id)) or ():
        if variable.name in names:
            client.delete_context_variable(variable.id)


class ContextVariablesProvider(BindingProvider):
    SPEC = ContextVariablesSpec
    STATE = ContextVariablesState
    KIND = "the workstream's context variables"
    UNDO = "deletes the context variables this stack created (never ones it adopted or that others made)"

    def create(self, props: Mapping[str, Any]) -> CreateResult:
        want = self.spec_of(props)
        state = reconcile(self.dataverse(want.environment_url), want)
        return CreateResult(f"{want.workstream_id}/contextVariables", outputs(want, state))

    def read(self, id_: str, props: Mapping[str, Any]):
        want, old = self.spec_of(props), ContextVariablesState.from_wire(props)
        names = old.declared if old.declared is not None else tuple(declared(want.variables))
        live = self.dataverse(want.environment_url).context_variables(want.workstream_id)
        return self.read_result(id_, want, ContextVariablesState.of(live, names, old.created or ()))

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> UpdateResult:
        want, old = self.spec_of(news), ContextVariablesState.from_wire(olds)
        client = self.dataverse(want.environment_url)
        moved_from = olds.get("workstreamId")
        if moved_from and str(moved_from).lower() != want.workstream_id:
            # The bot moved to another workstream: the declared variables are made there (as on a new
            # binding), and the ones this stack made are taken off the old one, which keeps the rest.
            state = reconcile(client, want)
            remove_created(client, moved_from, old.created or ())
            return UpdateResult(outputs(want, state))
        return UpdateResult(outputs(want, reconcile(client, want, old)))

    def undo(self, id_: str, spec: Spec, props: Mapping[str, Any]) -> None:
        client = self.dataverse(spec.environment_url)
        remove_created(client, spec.workstream_id, ContextVariablesState.from_wire(props).created or ())


class ContextVariables(BindingResource, module="omnichannel", name="ContextVariables"):
    """The workstream context variables the stack declares."""

    PROVIDER: ClassVar[type] = ContextVariablesProvider

    variables: pulumi.Output[list]
