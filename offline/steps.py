"""The engine's steps for one dynamic resource, driven through the real provider server.

For a registration: Check(olds = recorded inputs, news = program inputs); failures stop the run with the
property and the reason. Not recorded yet: Create (up) or unknown outputs (preview). Recorded: Diff(olds =
recorded outputs, news = checked inputs); no change keeps the recorded outputs and sends nothing that
writes; a change is an Update (up) or a reported one (preview); a replacement of a protected resource is
refused with the engine's message. DIFF_UNKNOWN (a provider without `diff`) is decided as the engine
decides it: recorded inputs against checked inputs, `__provider` included.

Secrets follow the engine's rules for a provider that does not accept secrets (the Python dynamic provider
answers Configure with acceptSecrets=false): values go to the provider in plaintext, and outputs under a
top-level key that was a secret input, or that the resource lists in `additional_secret_outputs`, are
secret again.

Messages of refusals are the engine's own (pulumi/pulumi pkg/resource/deploy/step_generator.go and
step.go, `deleteProtectedError`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping, Optional

from .provider_server import ProviderError, ProviderServer
from .state import ResourceState
from .values import PropertyChange, property_changes, unknown_outputs, without_provider, wrap_secrets


@dataclasses.dataclass(frozen=True)
class Goal:
    """What the program registered for one resource, in engine terms (URNs are the engine's)."""

    urn: str
    type: str
    custom: bool
    parent: str
    protect: bool
    dependencies: tuple[str, ...]
    provider: str
    inputs: Mapping[str, Any]  # plain values (unknowns possible in a preview)
    secret_inputs: frozenset[str]
    additional_secret_outputs: frozenset[str]
    delete_before_replace: bool
    retain_on_delete: bool

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    def recorded(
        self,
        id_: str,
        inputs: Mapping[str, Any],
        outputs: Mapping[str, Any],
        extra_secret_outputs: frozenset[str] = frozenset(),
    ) -> ResourceState:
        secret_outputs = (
            self.secret_inputs | self.additional_secret_outputs | extra_secret_outputs
        ) & frozenset(outputs)
        return ResourceState(
            urn=self.urn,
            type=self.type,
            custom=self.custom,
            id=id_,
            parent=self.parent,
            protect=self.protect,
            dependencies=self.dependencies,
            provider=self.provider,
            retain_on_delete=self.retain_on_delete,
            inputs=dict(inputs),
            outputs=dict(outputs),
            secret_inputs=self.secret_inputs & frozenset(inputs),
            secret_outputs=secret_outputs,
        )


@dataclasses.dataclass(frozen=True)
class StepEvent:
    """One step as the progress display shows it."""

    op: str  # create, update, replace, same, delete
    urn: str
    type: str
    mocked: bool = False  # native resource: outputs from the deterministic mocks
    changes: tuple[PropertyChange, ...] = ()
    preview: bool = False

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclasses.dataclass(frozen=True)
class Outcome:
    event: StepEvent
    state: Optional[ResourceState]  # what to record (None: nothing, as in a preview create)
    id: str
    outputs: Mapping[str, Any]  # what the program receives (secrets marked)


class StepError(Exception):
    """A step failed: the run stops and state keeps only what succeeded before."""

    def __init__(self, op: str, urn: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.op, self.urn, self.message, self.details = op, urn, message, details


class CheckFailedError(StepError):
    """The provider's check rejected inputs: nothing was sent to the service."""

    def __init__(self, urn: str, failures: tuple[tuple[str, str], ...]) -> None:
        lines = "; ".join(f"{prop}: {reason}" for prop, reason in failures)
        super().__init__("check", urn, f"the provider rejected the inputs: {lines}")
        self.failures = failures


class ProtectedError(StepError):
    """The engine refuses to delete or replace a protected resource."""


def replace_refusal(urn: str) -> str:
    return (
        f'unable to replace resource "{urn}"\nas it is currently marked for protection. To unprotect '
        "the resource, remove the `protect` flag from the resource in your Pulumi program and run "
        "`pulumi up`"
    )


def delete_refusal(urn: str) -> str:
    return (
        f'resource "{urn}" cannot be deleted\nbecause it is protected. To unprotect the resource, either '
        "remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`, or use "
        f"the command:\n`pulumi state unprotect '{urn}'`"
    )


Checkpoint = Callable[[str, Optional[ResourceState]], None]


class DynamicSteps:
    """Check/Diff/Create/Update/Delete of dynamic resources through one provider server."""

    def __init__(self, server: Callable[[], ProviderServer], preview: bool, checkpoint: Checkpoint) -> None:
        self._server, self.preview, self._checkpoint = server, preview, checkpoint

    def _call(self, op: str, urn: str, method: Callable, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except ProviderError as exc:
            raise StepError(op, urn, exc.message, exc.details) from None

    def register(self, goal: Goal, old: Optional[ResourceState]) -> Outcome:
        server = self._server()
        olds = old.inputs if old else {}
        checked = self._call("check", goal.urn, server.check, goal.urn, olds, goal.inputs)
        if checked.failures:
            raise CheckFailedError(goal.urn, checked.failures)
        inputs = checked.inputs
        if old is None:
            return self._create(server, goal, inputs)
        diff = self._call("diff", goal.urn, server.diff, old.id, goal.urn, old.outputs, inputs, old.inputs)
        changed = diff.changed if diff.changes != "unknown" else dict(old.inputs) != dict(inputs)
        changes = property_changes(old.inputs, inputs, secret=old.secret_inputs | goal.secret_inputs)
        if not changed:
            # The engine's SameStep: new inputs, the recorded outputs, no provider call that writes.
            state = goal.recorded(old.id, inputs, old.outputs, old.secret_outputs)
            return Outcome(
                StepEvent("same", goal.urn, goal.type, preview=self.preview),
                state,
                old.id,
                wrap_secrets(old.outputs, state.secret_outputs),
            )
        if diff.replaces:
            return self._replace(server, goal, old, inputs, changes, diff.delete_before_replace)
        event = StepEvent("update", goal.urn, goal.type, changes=changes, preview=self.preview)
        if self.preview:
            # The engine's preview of an Update hands the program the new inputs only: the provider is not
            # asked (supportsPreview=false), so every output-only value is unknown (reference Corrections 5).
            return Outcome(event, None, old.id, unknown_outputs(without_provider(inputs)))
        outputs = self._call(
            "update", goal.urn, server.update, old.id, goal.urn, old.outputs, inputs, old.inputs
        )
        state = goal.recorded(old.id, inputs, outputs)
        self._checkpoint(goal.urn, state)
        return Outcome(event, state, old.id, wrap_secrets(outputs, state.secret_outputs))

    def _create(
        self,
        server: ProviderServer,
        goal: Goal,
        inputs: Mapping[str, Any],
        op: str = "create",
        changes: tuple[PropertyChange, ...] = (),
    ) -> Outcome:
        event = StepEvent(op, goal.urn, goal.type, changes=changes, preview=self.preview)
        if self.preview:
            return Outcome(event, None, "", unknown_outputs(without_provider(inputs)))
        id_, outputs = self._call("create", goal.urn, server.create, goal.urn, inputs)
        state = goal.recorded(id_, inputs, outputs)
        self._checkpoint(goal.urn, state)
        return Outcome(event, state, id_, wrap_secrets(outputs, state.secret_outputs))

    def _replace(
        self,
        server: ProviderServer,
        goal: Goal,
        old: ResourceState,
        inputs: Mapping[str, Any],
        changes: tuple[PropertyChange, ...],
        delete_first: bool,
    ) -> Outcome:
        if goal.protect and old.protect:
            raise ProtectedError("replace", goal.urn, replace_refusal(goal.urn))
        if self.preview:
            return self._create(server, goal, inputs, "replace", changes)
        # Simplified ordering: the engine deletes a create-before-delete replacement's old resource at the
        # end of the whole update, after the dependents moved over; offline it happens right here.
        if delete_first or goal.delete_before_replace:
            self.delete(old)
            return self._create(server, goal, inputs, "replace", changes)
        outcome = self._create(server, goal, inputs, "replace", changes)
        self._delete_remote(old)
        return outcome

    def delete(self, old: ResourceState) -> StepEvent:
        """Delete a recorded resource (the caller has checked protect) and drop it from state."""
        if not self.preview:
            self._delete_remote(old)
            self._checkpoint(old.urn, None)
        return StepEvent("delete", old.urn, old.type, preview=self.preview)

    def _delete_remote(self, old: ResourceState) -> None:
        # retain_on_delete: the engine drops the resource from state without calling the provider.
        if not old.retain_on_delete:
            self._call("delete", old.urn, self._server().delete, old.id, old.urn, old.outputs)
