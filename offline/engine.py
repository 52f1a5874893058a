"""One `up` or `preview` of the program, the way the engine runs it, minus what only the engine can do.

The program runs under Pulumi mocks (offline/program.py). Every registration reaches `Deployment`: a dynamic
resource (`pulumi-python:dynamic/*`) goes through the real provider server (offline/steps.py); any other
custom resource gets the deterministic mock outputs (native providers are not run offline); components are
recorded. Registrations are handled one at a time (the engine runs independent steps in parallel). When
the program has finished, resources recorded in state but no longer registered are deleted in reverse order,
and a protected one is refused with the engine's message. State is checkpointed after each successful step
that changed something and written in full at the end of a successful `up`; a failed step writes nothing,
stops further steps, and the run skips the deletes, as the engine does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from typing import Any, Callable, Iterator, Optional

from pulumi.runtime import mocks, rpc

from .program import STACK_TYPE, DeterministicMocks, RecordingMonitor
from .provider_server import ProviderServer
from .state import ResourceState, StackState, StateFile, is_dynamic
from .steps import DynamicSteps, Goal, Outcome, ProtectedError, StepError, StepEvent, delete_refusal
from .values import unwrap_bag, wrap_secrets


def engine_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The URN the engine gives a resource: the parent's qualified type, unless the parent is the root stack
    (pulumi/pulumi pkg/resource/deploy `generateURN`). The SDK's mock monitor prefixes only the parent's own
    type, so its URNs differ from the engine's for children of the stack and deeper nesting."""
    parent_type = parent.split("::")[2] if parent else ""
    qualified = f"{parent_type}${type_}" if parent_type and parent_type != STACK_TYPE else type_
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


class StepSkippedError(Exception):
    """An earlier step failed: the engine starts no further steps."""


class Deployment:
    """The engine side of one run: registrations in, steps out, state checkpointed."""

    def __init__(
        self,
        *,
        project: str,
        stack: str,
        config: dict,
        prior: StackState,
        server: Callable[[], ProviderServer],
        preview: bool,
        state_file: Optional[StateFile] = None,
        on_step: Callable[[StepEvent], None] = lambda e: None,
    ) -> None:
        self.project, self.stack, self.prior, self.preview = project, stack, prior, preview
        self.state_file = None if preview else state_file
        self.on_step = on_step
        self.native = DeterministicMocks(stack, config, project)
        self.mocks = DeterministicMocks(stack, config, project, resource_hook=self._new_resource)
        self.steps = DynamicSteps(server, preview, self._checkpoint)
        self.events: list[StepEvent] = []
        self.failure: Optional[StepError] = None
        self._lock = threading.Lock()
        self._context = threading.local()
        self._urns: dict[str, str] = {}  # mock monitor URN -> engine URN
        self._registered: set[str] = set()  # URNs the program declared this run
        self._news: dict[str, ResourceState] = {}  # what to record for them, in order
        self._gone: set[str] = set()  # deleted this run

    # --- the monitor the program talks to ------------------------------------------------------------
    def monitor(self, mock: mocks.Mocks) -> RecordingMonitor:
        return _EngineMonitor(mock, self)

    @contextlib.contextmanager
    def registering(self, request, mock_urn: str) -> Iterator[None]:
        """The request being registered on this thread: the mock hook only gets MockResourceArgs, which lack
        the parent, protect, dependencies and secret markers the engine needs."""
        self._context.request, self._context.mock_urn = request, mock_urn
        try:
            yield
        finally:
            self._context.request = self._context.mock_urn = None

    def _new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict]:
        request, mock_urn = self._context.request, self._context.mock_urn
        with self._lock:
            if self.failure is not None:
                raise StepSkippedError(f"{args.name}: skipped because an earlier step failed")
            goal = self._goal(request)
            self._urns[mock_urn] = goal.urn
            self._registered.add(goal.urn)
            old = self.prior.get(goal.urn)
            try:
                if goal.custom and is_dynamic(goal.type):
                    self.refuse_unsimulated_options(goal, request)
                    outcome = self.steps.register(goal, old)
                elif goal.custom:
                    outcome = self._native(goal, old, args)
                else:
                    outcome = self._component(goal, old)
            except StepError as failure:
                self.failure = failure
                raise
            if outcome.state is not None:
                self._news[goal.urn] = outcome.state
            self._emit(outcome.event)
            return outcome.id, outcome.outputs

    def _goal(self, request) -> Goal:
        parent = self._urns.get(request.parent, request.parent) if request.parent else ""
        urn = engine_urn(self.stack, self.project, parent, request.type, request.name)
        program_inputs = rpc.deserialize_properties(request.object, keep_unknowns=True) or {}
        inputs, secret_inputs = unwrap_bag(program_inputs)
        provider_urn, _, provider_id = request.provider.rpartition("::")
        provider = f"{self._urns.get(provider_urn, provider_urn)}::{provider_id}" if request.provider else ""
        return Goal(
            urn=urn,
            type=request.type,
            custom=bool(request.custom),
            parent=parent,
            protect=bool(request.protect),
            dependencies=tuple(self._urns.get(d, d) for d in request.dependencies),
            provider=provider,
            inputs=inputs,
            secret_inputs=secret_inputs,
            additional_secret_outputs=frozenset(request.additionalSecretOutputs),
            delete_before_replace=bool(request.deleteBeforeReplace),
            retain_on_delete=bool(request.retainOnDelete),
        )

    @staticmethod
    def refuse_unsimulated_options(goal: Goal, request) -> None:
        unsimulated = [
            name
            for name, value in (
                ("ignore_changes", request.ignoreChanges),
                ("replace_on_changes", request.replaceOnChanges),
                ("import", request.importId),
            )
            if value
        ]
        if unsimulated:
            raise StepError(
                "register",
                goal.urn,
                "the offline runner does not simulate "
                f"{', '.join(unsimulated)}; only the real engine applies it",
            )

    def _native(self, goal: Goal, old: Optional[ResourceState], args: mocks.MockResourceArgs) -> Outcome:
        id_, answer = self.native.new_resource(args)
        outputs, secret_outputs = unwrap_bag(answer)
        state = goal.recorded(id_, goal.inputs, outputs, secret_outputs)
        op = "create" if old is None else ("same" if dict(old.inputs) == dict(goal.inputs) else "update")
        event = StepEvent(op, goal.urn, goal.type, mocked=True, preview=self.preview)
        answer = wrap_secrets(outputs, state.secret_outputs)
        return Outcome(event, None if self.preview else state, id_, answer)

    def _component(self, goal: Goal, old: Optional[ResourceState]) -> Outcome:
        state = goal.recorded("", {}, {})
        event = StepEvent("create" if old is None else "same", goal.urn, goal.type, preview=self.preview)
        return Outcome(event, None if self.preview else state, "", {})

    # --- after the program -----------------------------------------------------------------------------
    def delete_unregistered(self) -> None:
        """Delete, newest first, what state holds and the program no longer declares."""
        for old in reversed(self.prior.resources):
            if old.urn in self._registered or old.urn in self._gone:
                continue
            if old.protect:
                self.failure = ProtectedError("delete", old.urn, delete_refusal(old.urn))
                raise self.failure
            try:
                if old.custom and is_dynamic(old.type):
                    event = self.steps.delete(old)
                else:  # a mocked native resource or a component: only its record goes
                    event = StepEvent("delete", old.urn, old.type, mocked=old.custom, preview=self.preview)
                    self._checkpoint(old.urn, None)
            except StepError as failure:
                self.failure = failure
                raise
            self._emit(event)

    def final_state(
        self, outputs: dict[str, Any], secret_outputs: frozenset[str], provider_config: dict[str, str]
    ) -> StackState:
        return dataclasses.replace(
            self._snapshot(), outputs=outputs, secret_outputs=secret_outputs, provider_config=provider_config
        )

    # --- state -----------------------------------------------------------------------------------------
    def _snapshot(self) -> StackState:
        """Registered resources in order, then recorded ones not reached yet (the engine's merge)."""
        pending = [r for r in self.prior.resources if r.urn not in self._news and r.urn not in self._gone]
        return self.prior.with_resources([*self._news.values(), *pending])

    def _checkpoint(self, urn: str, state: Optional[ResourceState]) -> None:
        if state is None:
            self._news.pop(urn, None)
            self._gone.add(urn)
        else:
            self._news[urn] = state
        if self.state_file is not None:
            self.state_file.save(self._snapshot())

    def _emit(self, event: StepEvent) -> None:
        self.events.append(event)
        self.on_step(event)


class _EngineMonitor(RecordingMonitor):
    """Hands each registration's full request (URN, parent, protect, secrets) to the deployment's hook."""

    def __init__(self, mock: mocks.Mocks, deployment: Deployment) -> None:
        super().__init__(mock)
        self._deployment = deployment

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        if request.type == STACK_TYPE:
            return super().RegisterResource(request)
        with self._deployment.registering(request, self.make_urn(request.parent, request.type, request.name)):
            return super().RegisterResource(request)
