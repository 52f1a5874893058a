"""The offline runner's state: one JSON file per stack, written atomically, secrets sealed.

Shaped like the engine's checkpoint (`pulumi stack export`): resources in registration order, each with its
URN, type, custom flag, id, parent, protect, dependencies, provider reference, inputs and outputs; and the
configuration the dynamic provider was last configured with (the engine keeps it as the default provider's
inputs). Values
under a top-level key that is secret are sealed (offline/secret_box.py); everything else is plain JSON.

`StateFile.save` writes a temporary file in the same directory, flushes it to disk and renames it over the
old one, so a crash leaves either the previous state or the new one, never half of each.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import tempfile
from typing import Any, Iterable, Mapping, Optional

from .secret_box import SecretBox, is_sealed

FORMAT = "handoff-offline-state"
VERSION = 1
DYNAMIC_PREFIX = "pulumi-python:dynamic"
PROVIDER_KEY = "__provider"


def is_dynamic(type_: str) -> bool:
    """Dynamic resources are served by the provider server; everything else is mocked offline."""
    return type_ == DYNAMIC_PREFIX + ":Resource" or type_.startswith(DYNAMIC_PREFIX + "/")


@dataclasses.dataclass(frozen=True)
class ResourceState:
    """One resource as recorded after a successful step (values plain; `secret_*` name the secret keys)."""

    urn: str
    type: str
    custom: bool
    id: str = ""
    parent: str = ""
    protect: bool = False
    dependencies: tuple[str, ...] = ()
    provider: str = ""
    retain_on_delete: bool = False
    inputs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    outputs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    secret_inputs: frozenset[str] = frozenset()
    secret_outputs: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def dynamic(self) -> bool:
        return is_dynamic(self.type)


@dataclasses.dataclass(frozen=True)
class StackState:
    project: str
    stack: str
    resources: tuple[ResourceState, ...] = ()
    outputs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    secret_outputs: frozenset[str] = frozenset()
    # The configuration the dynamic provider was configured with at the last `up`: what the engine records
    # as the default provider's inputs, and configures the provider with on a refresh (not the stack file).
    provider_config: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def get(self, urn: str) -> Optional[ResourceState]:
        return next((r for r in self.resources if r.urn == urn), None)

    def with_resources(self, resources: Iterable[ResourceState]) -> "StackState":
        return dataclasses.replace(self, resources=tuple(resources))


class StateFileError(Exception):
    """The state file cannot be read as offline state."""


class StateFile:
    """`<directory>/<stack>.json` and the directory's secret box."""

    def __init__(self, directory: pathlib.Path, project: str, stack: str) -> None:
        self.directory = pathlib.Path(directory)
        self.project, self.stack = project, stack
        self.path = self.directory / f"{stack}.json"
        self._box: Optional[SecretBox] = None

    @property
    def box(self) -> SecretBox:
        if self._box is None:
            self._box = SecretBox.for_directory(self.directory)
        return self._box

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> StackState:
        """The recorded state, or an empty one when nothing was deployed yet."""
        if not self.path.exists():
            return StackState(self.project, self.stack)
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise StateFileError(f"{self.path} is not JSON ({exc}); move it away to start over") from exc
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise StateFileError(f"{self.path} is not version {VERSION} offline state")
        if document.get("stack") != self.stack or document.get("project") != self.project:
            raise StateFileError(
                f"{self.path} belongs to {document.get('project')}/{document.get('stack')}, "
                f"not {self.project}/{self.stack}"
            )
        outputs, secret_outputs = self._open_bag(document.get("outputs") or {})
        provider_config = dict(document.get("providerConfig") or {})
        return StackState(
            self.project,
            self.stack,
            tuple(self._resource(r) for r in document["resources"]),
            outputs,
            secret_outputs,
            provider_config,
        )

    def save(self, state: StackState) -> None:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "project": state.project,
            "stack": state.stack,
            "outputs": self._seal_bag(state.outputs, state.secret_outputs),
            # Plain: offline config holds no secret (load_stack_config refuses encrypted values; credentials
            # reach the providers through the environment, never config).
            "providerConfig": dict(state.provider_config),
            "resources": [self._record(r) for r in state.resources],
        }
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{self.stack}-", suffix=".json", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2, sort_keys=False)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    # --- (de)serialisation ---------------------------------------------------------------------------
    def _record(self, resource: ResourceState) -> dict:
        return {
            "urn": resource.urn,
            "type": resource.type,
            "custom": resource.custom,
            "id": resource.id,
            "parent": resource.parent,
            "protect": resource.protect,
            "dependencies": list(resource.dependencies),
            "provider": resource.provider,
            "retainOnDelete": resource.retain_on_delete,
            "inputs": self._seal_bag(resource.inputs, resource.secret_inputs),
            "outputs": self._seal_bag(resource.outputs, resource.secret_outputs),
        }

    def _resource(self, record: Mapping[str, Any]) -> ResourceState:
        inputs, secret_inputs = self._open_bag(record.get("inputs") or {})
        outputs, secret_outputs = self._open_bag(record.get("outputs") or {})
        return ResourceState(
            urn=record["urn"],
            type=record["type"],
            custom=bool(record["custom"]),
            id=record.get("id") or "",
            parent=record.get("parent") or "",
            protect=bool(record.get("protect")),
            dependencies=tuple(record.get("dependencies") or ()),
            provider=record.get("provider") or "",
            retain_on_delete=bool(record.get("retainOnDelete")),
            inputs=inputs,
            outputs=outputs,
            secret_inputs=secret_inputs,
            secret_outputs=secret_outputs,
        )

    def _seal_bag(self, bag: Mapping[str, Any], secret: frozenset[str]) -> dict:
        return {key: self.box.seal(value) if key in secret else value for key, value in bag.items()}

    def _open_bag(self, bag: Mapping[str, Any]) -> tuple[dict, frozenset[str]]:
        plain = {key: self.box.open(value) if is_sealed(value) else value for key, value in bag.items()}
        return plain, frozenset(key for key, value in bag.items() if is_sealed(value))
