"""What every binding provider shares: configuration from `configure()`, lazily built clients, the generic
check and diff driven by the resource's spec, the no-removal guard, and the read helpers.

Pickling: the engine pickles a provider into state (`__provider`) when the program declares a resource, from
a fresh instance with no attributes; providers live in importable modules, so the pickle is a reference
(`components.dynamic.bot_user.BotApplicationUserProvider`, a few dozen bytes). Everything else (parsed
config, clients, a lock) is set on the instance only in the provider process, in `configure()` and
afterwards, and never pickled again. Credentials are never stored at all: the clients read them from the
environment (ARM_*/AZURE_*) when they first need a token.

Config: `configure()` receives the whole stack config, keys fully qualified (`handoff:cloud`), every value a
string; `ClientConfig.from_lookup` parses the cloud, tenant and endpoint overrides, and
`handoff:allowBindingRemoval` is the removal override, `handoff:publishTimeoutSeconds` how long publishing
waits for Copilot Studio's publish job.

Progress: the clients' progress lines (a wait before a retry, a publish awaited) go to `pulumi.log.info`.
In the provider process the SDK has no engine connection (pulumi/dynamic/__main__.py configures Settings
without one), so `pulumi.log` writes `info: <line>` to the process's stderr, which the engine shows in the
command's output; it cannot be attached to a resource from here (dynamic providers are not given the URN).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Callable, ClassVar, Mapping, Optional, TypeVar

import pulumi
from pulumi import ResourceOptions
from pulumi.dynamic import ConfigureRequest, DiffResult, ReadResult, Resource, ResourceProvider

from components import names
from components.clients import errors
from components.clients.arm import ArmBotReader
from components.clients.config import ClientConfig, ClientConfigError, parse_keys
from components.clients.dataverse import DataverseClient

from .specs import (
    Spec,
    State,
    attribute,
    canonical,
    is_unknown,
    outputs,
    read_inputs,
    resource_props,
    wire,
)

NAMESPACE = names.PROJECT
REMOVAL_OVERRIDE = f"{NAMESPACE}:allowBindingRemoval"
REMOVAL_DOCS = "docs/binding.md#removing-a-binding"
T = TypeVar("T")


class BindingRemovalRefused(Exception):
    """A delete of a binding resource without the documented override."""


@dataclasses.dataclass(frozen=True)
class ProviderContext:
    """The stack config a binding provider needs: where the APIs are, and whether removal is allowed."""

    clients: ClientConfig
    allow_removal: bool
    publish_timeout_seconds: float = 120.0  # handoff:publishTimeoutSeconds

    @classmethod
    def from_lookup(cls, lookup: Callable[[str], Optional[str]]) -> "ProviderContext":
        clients = ClientConfig.from_lookup(lookup, NAMESPACE)
        values, problems = parse_keys(lookup, ("allowBindingRemoval", "publishTimeoutSeconds"), NAMESPACE)
        if problems:
            raise ClientConfigError(problems)
        return cls(
            clients=clients,
            allow_removal=values["allowBindingRemoval"],
            publish_timeout_seconds=float(values["publishTimeoutSeconds"]),
        )


def report_progress(line: str) -> None:
    """A client's progress line, to the engine's output (see the module docstring)."""
    pulumi.log.info(line)


def _resolution_needed(keys: tuple[str, ...], olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
    """A new resource, or one whose resolved inputs changed (an unknown one counts as changed)."""
    if not keys:
        return False
    if not olds:
        return True
    return any(
        is_unknown(inputs.get(key)) or canonical(olds.get(key)) != canonical(inputs.get(key)) for key in keys
    )


def removal_refused(kind: str, id_: str, undo: str) -> BindingRemovalRefused:
    return BindingRemovalRefused(
        f"refusing to delete {kind} {id_}: an Omnichannel bot binding is never removed by a deployment. The "
        "OmnichannelBinding is protect=True and its providers refuse deletes too, because a bot connection "
        "cannot be moved: connecting to another environment (or App ID) means a new bot, that is a new app "
        "registration and a new stack, not removing this one. `pulumi state unprotect <urn>` only lifts the "
        "engine's protection: it changes nothing in Dataverse, and the next `pulumi up` or `pulumi destroy` "
        f"would then call this delete, which still refuses. To remove the binding on purpose, set "
        f"`pulumi config set {REMOVAL_OVERRIDE} true` as well; delete then only {undo}. See {REMOVAL_DOCS}."
    )


def unless_gone(read: Callable[[], T]) -> Optional[T]:
    """The record read, or None when the service says it no longer exists."""
    try:
        return read()
    except errors.NotFoundError:
        return None


def create_or_find(create: Callable[[], T], find: Callable[[], Optional[T]]) -> T:
    """Create a record whose natural key is unique (a user's App ID, a variable's name in its workstream).

    A create is a POST, never replayed blindly: when its outcome is unknown (AmbiguousWriteError: 5xx or a
    connection dropped after sending), the natural key tells. A record found is the one the create made; none
    means it was not applied, and one more create is safe, since the key's uniqueness turns any race into a
    conflict the caller handles. Two creates at most."""
    try:
        return create()
    except errors.AmbiguousWriteError:
        found = find()
        if found is not None:
            return found
    return create()


class BindingProvider(ResourceProvider):
    """Base of the binding providers: subclasses set SPEC, KIND and UNDO and implement create, read, update
    and `undo` (what delete does when removal is allowed)."""

    SPEC: ClassVar[type[Spec]] = Spec
    STATE: ClassVar[type[State]] = State
    KIND: ClassVar[str] = "binding resource"
    UNDO: ClassVar[str] = "forgets the resource"

    def configure(self, req: ConfigureRequest) -> None:
        self._context = ProviderContext.from_lookup(req.config.get)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()  # the provider server runs up to four calls at once

    @property
    def context(self) -> ProviderContext:
        context = getattr(self, "_context", None)
        if context is None:
            raise RuntimeError(
                f"the provider of {self.KIND} was used before configure(): the engine (or "
                "the test harness) must send Configure with the stack config first"
            )
        return context

    # --- clients, built once per provider instance in the provider process --------------------------------
    def _client(self, key: str, build: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._clients:
                self._clients[key] = build()
            return self._clients[key]

    def dataverse(self, environment_url: str) -> DataverseClient:
        return self._client(
            environment_url,
            lambda: DataverseClient.connect(self.context.clients, environment_url, progress=report_progress),
        )

    def arm(self) -> ArmBotReader:
        return self._client(
            "arm", lambda: ArmBotReader.connect(self.context.clients, progress=report_progress)
        )

    # --- the generic parts of the protocol ----------------------------------------------------------------
    #: Input keys (wire names) whose records `resolve` reads: when one is new or changed, check (which the
    #: engine runs in a preview as in an update) resolves them read-only and fails with the catalogue error
    #: `create`/`update` would give. An unchanged resource sends nothing.
    RESOLVES: ClassVar[tuple[str, ...]] = ()

    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]):
        result = self.SPEC.check(olds, news, self.context.clients.cloud.name)
        if not result.failures and _resolution_needed(self.RESOLVES, olds, result.inputs):
            self.resolve(result.inputs)
        return result

    def resolve(self, inputs: Mapping[str, Any]) -> None:
        """Read (GET only) what `create` will need and raise its catalogue error if it is not there. Inputs
        the engine does not know yet (`specs.is_unknown`, in a first preview) are skipped."""

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffResult:
        # Never a replace: a move is refused in check, everything else is an update.
        changed = self.SPEC.changed(olds, news)
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def delete(self, id_: str, props: Mapping[str, Any]) -> None:
        if not self.context.allow_removal:
            raise removal_refused(self.KIND, id_, self.UNDO)
        self.undo(id_, self.SPEC.from_inputs(props), props)

    def undo(self, id_: str, spec: Spec, props: Mapping[str, Any]) -> None:
        """Undo what is safe to undo, with the removal override set (NotFound means done)."""

    # --- helpers for subclasses -----------------------------------------------------------------------------
    def spec_of(self, props: Mapping[str, Any]) -> Any:
        return self.SPEC.from_inputs(props)

    def read_result(self, id_: str, spec: Spec, state: Optional[State]) -> ReadResult:
        """Live outputs and the inputs a refresh records, or "gone" when the record no longer exists."""
        if state is None:
            return ReadResult(None, {})
        outs = outputs(spec, state)
        return ReadResult(id_, outs, inputs=read_inputs(self.SPEC, outs))


class BindingResource(Resource):
    """Base of the binding resources: Python names (`user_id`) in the program, camelCase on the wire.

    A subclass names its provider (`PROVIDER`) and declares its outputs; its inputs are the fields of the
    provider's spec, given as keyword arguments (an unknown one is a TypeError at declaration)."""

    PROVIDER: ClassVar[type[BindingProvider]] = BindingProvider

    def __init__(self, resource_name: str, *, opts: Optional[ResourceOptions] = None, **inputs: Any) -> None:
        provider = self.PROVIDER
        super().__init__(
            provider(), resource_name, resource_props(provider.SPEC, provider.STATE, **inputs), opts
        )

    def translate_input_property(self, prop: str) -> str:
        return wire(prop)

    def translate_output_property(self, prop: str) -> str:
        return attribute(prop)
