"""The binding resources' property bags, typed: one frozen spec (inputs) and one state (live outputs) per
resource. This is the one place where property names are spelled: a field `bot_app_id` is the wire key
`botAppId` (`wire()`), in the program's inputs, in state and in policies alike.

- A spec field's `prop(parse)` validates and normalises one input with `components.validation`; `check()`
  turns every problem into a `CheckFailure(key, reason)` naming the fix, without sending a request. `Unknown`
  values (preview) pass through unvalidated.
- `derived()` fields are desired-state flags `check` adds (`enabled: True`, `member: True`): the diff compares
  them with the live value the provider reads back (`enabled: False` after someone disabled the user).
- `CREATE_ONLY` keys never change on an existing binding: `check` refuses the change (a connection cannot be
  moved: the mitigation is a new bot) instead of asking the engine for a replacement.
- `MANAGED` maps each key the diff compares to how desired (news) and live (old outputs) are compared,
  normalising what the service normalises (GUID case, whitespace, names compared case-insensitively).
- Outputs are `{**spec, **state}`: every input echoed, the managed keys overwritten by their live values.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, ClassVar, Mapping

from pulumi.dynamic import CheckFailure, CheckResult
from pulumi.output import Unknown
from pulumi.runtime import rpc

import components.validation as validation
from components.clients import errors, preflight
from components.clients.arm import parse_bot_resource_id

Parse = Callable[[Any], Any]
Same = Callable[[Any, Mapping[str, Any]], bool]  # (desired value, live outputs) -> in line with each other


def prop(parse: Parse, default: Any = dataclasses.MISSING) -> Any:
    """An input the program gives, validated and normalised by `parse` (which raises ValueError)."""
    return dataclasses.field(default=default, metadata={"parse": parse})


def derived(default: Any = None) -> Any:
    """A desired-state flag `check` sets (its default, or `Spec.derive`), never the program."""
    return dataclasses.field(default=default, metadata={"derived": True})


def wire(attribute: str) -> str:
    """`bot_app_id` -> `botAppId` (reserved names such as `__provider` are kept)."""
    if attribute.startswith("_"):
        return attribute
    head, *rest = attribute.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def attribute(key: str) -> str:
    """`botAppId` -> `bot_app_id` (how the resources expose their outputs in Python)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


def is_unknown(value: Any) -> bool:
    """A value the engine does not know yet (preview), at any depth of a list."""
    if isinstance(value, (list, tuple)):
        return any(is_unknown(item) for item in value)
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def canonical(value: Any) -> Any:
    """The form the services compare in: GUIDs in lower case, collapsed whitespace, sets of strings."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = " ".join(value.split())
        return text.lower() if validation.is_guid(text) else text
    if isinstance(value, (list, tuple)):
        return tuple(sorted(str(canonical(item)) for item in value))
    return value


def same(key: str, fold: bool = False) -> Same:
    """Desired equals the live value of `key` in canonical form (`fold`: ignoring case too)."""

    def compare(desired: Any, live: Mapping[str, Any]) -> bool:
        mine, theirs = canonical(desired), canonical(live.get(key))
        if fold and isinstance(mine, str) and isinstance(theirs, str):
            return mine.casefold() == theirs.casefold()
        return mine == theirs

    return compare


def same_record(id_key: str, name_key: str) -> Same:
    """A record named by GUID or by name (queue, workstream) is the live one of `id_key`/`name_key`."""

    def compare(desired: Any, live: Mapping[str, Any]) -> bool:
        if validation.is_guid(desired):
            return canonical(desired) == canonical(live.get(id_key))
        return str(canonical(desired)).casefold() == str(canonical(live.get(name_key) or "")).casefold()

    return compare


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Bag:
    """A typed property bag: Python field names, wire keys."""

    def to_wire(self) -> dict:
        return {wire(f.name): _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(wire(f.name) for f in dataclasses.fields(cls))


@dataclasses.dataclass(frozen=True, kw_only=True)
class State(_Bag):
    """Live values a provider read (or wrote) and reports as outputs."""

    @classmethod
    def from_wire(cls, outs: Mapping[str, Any]) -> "State":
        """The state recorded in outputs (a missing key reads as None, a list as a tuple)."""
        return cls(**{f.name: _frozen(outs.get(wire(f.name))) for f in dataclasses.fields(cls)})


def _frozen(value: Any) -> Any:
    """A value from the wire as the specs hold it: lists as tuples, and integral numbers as int (numbers cross
    the wire as doubles, and every number in these specs is an integer)."""
    if isinstance(value, list):
        return tuple(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


@dataclasses.dataclass(frozen=True, kw_only=True)
class Spec(_Bag):
    """The inputs every binding resource has; subclasses add their own."""

    environment_url: str = prop(validation.check_dataverse_url)
    bot_app_id: str = prop(validation.check_guid)

    CREATE_ONLY: ClassVar[tuple[str, ...]] = ("environmentUrl", "botAppId")
    MANAGED: ClassVar[Mapping[str, Same]] = {}

    # --- check ----------------------------------------------------------------------------------------
    @classmethod
    def check(cls, olds: Mapping[str, Any], news: Mapping[str, Any], cloud: str) -> CheckResult:
        """Validated, normalised inputs with the derived flags, and a failure per bad key. No request."""
        inputs: dict[str, Any] = {}
        failures: list[CheckFailure] = []
        for field in dataclasses.fields(cls):
            if field.metadata.get("derived"):
                continue
            key, raw = wire(field.name), news.get(wire(field.name))
            if is_unknown(raw):
                inputs[key] = raw
            elif raw is None:
                if field.default is dataclasses.MISSING:
                    failures.append(CheckFailure(key, f"{key} is required: give the resource a {key}"))
                else:
                    inputs[key] = _plain(field.default)
            else:
                try:
                    inputs[key] = _plain(field.metadata["parse"](raw))
                except ValueError as exc:
                    failures.append(CheckFailure(key, f"{key}: {exc}"))
        failures += cls._cloud_failures(inputs, cloud) + cls._move_failures(olds, inputs)
        if not failures:
            flags = {
                wire(f.name): f.default
                for f in dataclasses.fields(cls)
                if f.metadata.get("derived") and f.default is not None
            }
            inputs.update({key: _plain(value) for key, value in {**flags, **cls.derive(inputs)}.items()})
        return CheckResult(inputs, failures)

    @classmethod
    def derive(cls, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Desired-state flags that depend on other inputs (constant ones are `derived(default)` fields)."""
        return {}

    @staticmethod
    def _cloud_failures(inputs: Mapping[str, Any], cloud: str) -> list[CheckFailure]:
        url = inputs.get("environmentUrl")
        if not isinstance(url, str) or is_unknown(url):
            return []
        try:
            validation.check_dataverse_url(url, cloud)
        except ValueError as exc:
            return [CheckFailure("environmentUrl", f"environmentUrl: {exc} (handoff:cloud is {cloud})")]
        return []

    @classmethod
    def _move_failures(cls, olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[CheckFailure]:
        """An existing binding never moves to another environment or App ID."""
        failures = []
        for key in cls.CREATE_ONLY:
            old, new = olds.get(key), inputs.get(key)
            if old is None or new is None or is_unknown(old) or is_unknown(new):
                continue
            if canonical(old) == canonical(new):
                continue
            # The catalogue's "the connection cannot be moved" text, for this key alone.
            current = {k: olds.get(k) for k in cls.CREATE_ONLY}
            desired = {**current, key: new}
            try:
                preflight.require_same_binding(
                    current["environmentUrl"],
                    desired["environmentUrl"],
                    current["botAppId"],
                    desired["botAppId"],
                )
            except errors.ValidationError as exc:
                failures.append(CheckFailure(key, str(exc)))
        return failures

    # --- values ---------------------------------------------------------------------------------------
    @classmethod
    def from_inputs(cls, props: Mapping[str, Any]) -> "Spec":
        """The spec of checked inputs (or of outputs, which echo them)."""
        values = {}
        for field in dataclasses.fields(cls):
            value = props.get(wire(field.name), field.default)
            if value is not dataclasses.MISSING:
                values[field.name] = _frozen(value)
        return cls(**values)

    # --- diff -----------------------------------------------------------------------------------------
    @classmethod
    def changed(cls, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        """Managed keys whose desired value (news) differs from the live one (old outputs); `Unknown` is a
        change. `__provider` and every unmanaged key are ignored."""
        changed = []
        for key, compare in cls.MANAGED.items():
            desired = news.get(key)
            if desired is None:
                continue  # not declared by this stack (a flag only some configurations set)
            if is_unknown(desired) or not compare(desired, olds):
                changed.append(key)
        return changed


def outputs(spec: Spec, state: State) -> dict:
    """Every input echoed, the managed keys overwritten by their live values."""
    return {**spec.to_wire(), **state.to_wire()}


def read_inputs(spec_type: type[Spec], outs: Mapping[str, Any]) -> dict:
    """The inputs a refresh records: the spec's keys as live (`ReadResult(inputs=...)`)."""
    return {key: outs.get(key) for key in spec_type.keys() if key in outs}


def resource_props(spec_type: type[Spec], state_type: type[State], **inputs: Any) -> dict:
    """The property bag a resource registers, by Python name: its inputs, and every output (None) so the SDK
    exposes it as an attribute. The resource translates the names to the wire's (`BindingResource`)."""
    names = {f.name for f in dataclasses.fields(spec_type) if not f.metadata.get("derived")}
    unknown = sorted(set(inputs) - names)
    if unknown:
        raise TypeError(f"{spec_type.__name__} has no input {', '.join(unknown)}")
    exposed = {f.name: None for f in dataclasses.fields(state_type)}
    return {**exposed, **{name: _plain(value) for name, value in inputs.items()}}


def integer(parse: Parse) -> Parse:
    """`parse` for an integer input: numbers cross the wire as doubles (protobuf Struct), so 100.0 is 100."""
    return lambda value: parse(int(value) if isinstance(value, float) and value.is_integer() else value)


def check_azure_bot_id(value: Any) -> str:
    parse_bot_resource_id(value)
    return value.strip()


def check_name_or_guid(what: str) -> Parse:
    return lambda value: validation.check_name_or_guid(value, what)


def check_text(limit: int) -> Parse:
    return lambda value: validation.check_display_name(value, limit)


def check_variables(value: Any) -> tuple[str, ...]:
    """`name:type` entries, types in lower case, names exactly as written (Omnichannel matches them
    case-sensitively)."""
    return tuple(f"{v.name}:{v.type}" for v in validation.parse_context_variables(value))
