"""Evaluate the real program (`__main__.py`) under Pulumi mocks, started the way the engine starts it.

What this simulates of the engine:
- the stack configuration: `Pulumi.yaml`'s `config:` schema plus `Pulumi.<stack>.yaml`, keys in the project
  namespace, schema defaults applied, required keys and declared types checked (the engine refuses a stack
  that fails them before the program starts: `StackConfigError`), every value passed as a string and arrays
  and objects as JSON text;
- the program start: `pulumi.runtime.set_all_config`, then the program file run as `__main__` inside a root
  `pulumi:pulumi:Stack` (the SDK's own `run_in_stack`), its stack outputs collected at the end;
- the registrations: every `RegisterResource` is recorded with what the engine receives (type, name, parent,
  inputs, protect, dependencies, provider, replace options), and answered by deterministic mocks whose ids
  match the offline emulator's default seed (`STACK_IDENTITIES`).

What it does NOT simulate: planning and diffs, state, the resource providers themselves, secrets encryption,
and the engine's enforcement of options (protect is recorded, only the engine refuses a delete).

`set_mocks` is process-global: each `run_program` call installs fresh mocks and config, so tests call it
inside the test (or a fixture), never at module level.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import pathlib
import runpy
import sys
import uuid
from typing import Any, Callable, Iterator, Mapping, Optional

import yaml
from pulumi.errors import RunError
from pulumi.runtime import mocks, rpc, set_all_config
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from .values import unwrap_bag

ROOT = pathlib.Path(__file__).resolve().parents[1]
STACK_TYPE = "pulumi:pulumi:Stack"
DEPLOYER_CLIENT_ID = "22222222-2222-4222-8222-222222222222"
_FIC_TYPE = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
_NAMESPACE = uuid.UUID("9f0d3a52-6c1e-4b8a-9d57-2f4e8b1c7a30")  # for deterministic mock ids


@dataclasses.dataclass(frozen=True)
class StackIdentities:
    """Ids the mocks give a stack's resources, equal to the emulator seed's (docs/architecture.md)."""

    bot_app_client_id: str


STACK_IDENTITIES: Mapping[str, StackIdentities] = {
    "dev": StackIdentities(bot_app_client_id="44444444-4444-4444-8444-444444444444"),
    "prod": StackIdentities(bot_app_client_id="77777777-7777-4777-8777-777777777777"),
}

REMOVE: Any = object()  # an override value that deletes the key from the stack file


class StackConfigError(Exception):
    """The stack file does not satisfy the project's config schema: the engine would not start the program."""


class ProgramError(Exception):
    """The program raised; `run` holds what was registered before it did (`__cause__` is the error)."""

    def __init__(self, error: BaseException, run: "ProgramRun") -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error
        self.run = run


@dataclasses.dataclass(frozen=True)
class Registration:
    """One RegisterResource call, as the engine receives it, and the mock's answer."""

    urn: str
    type: str
    name: str
    parent: str  # parent URN ("" for the root stack's own registration)
    custom: bool  # False for components
    protect: bool
    inputs: Mapping[str, Any]  # wire (camelCase) names, secrets unwrapped
    secret_inputs: frozenset[str]  # top-level input names that were secret
    dependencies: tuple[str, ...]
    provider: str  # provider reference "urn::id", "" for the default provider
    delete_before_replace: bool
    replace_on_changes: tuple[str, ...]
    additional_secret_outputs: tuple[str, ...]
    retain_on_delete: bool
    id: str
    outputs: Mapping[str, Any]
    aliases: tuple[str, ...] = ()  # the request's alias specs (text form) and alias URNs


@dataclasses.dataclass(frozen=True)
class ProgramRun:
    """The registrations and stack outputs of one evaluation of the program."""

    project: str
    stack: str
    config: Mapping[str, str]
    registrations: tuple[Registration, ...]
    outputs: Mapping[str, Any]
    secret_outputs: frozenset[str]

    def of_type(self, type_: str) -> tuple[Registration, ...]:
        return tuple(r for r in self.registrations if r.type == type_)

    def named(self, name: str) -> Registration:
        found = [r for r in self.registrations if r.name == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} registrations named {name!r}")
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.registrations if r.urn == urn)


def load_project(project_dir: pathlib.Path = ROOT) -> dict:
    return yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8"))


def _engine_string(value: Any) -> str:
    """How the engine passes a config value to a program: strings, with arrays and objects as JSON text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _type_ok(declared: str, value: Any) -> bool:
    if declared == "array":
        return isinstance(value, list)
    if declared == "boolean":
        return isinstance(value, bool) or str(value).lower() in ("true", "false")
    if declared == "integer":
        return not isinstance(value, bool) and (isinstance(value, int) or str(value).lstrip("-").isdigit())
    return not isinstance(value, (list, dict))


def load_stack_config(
    project_dir: pathlib.Path = ROOT, stack: str = "dev", overrides: Optional[Mapping[str, Any]] = None
) -> dict[str, str]:
    """The namespaced config the engine would pass for `stack`.

    `overrides` (short or namespaced keys, YAML values, `REMOVE` to delete) are applied to the stack file
    first, as if it had been edited."""
    project = load_project(project_dir)
    name, schema = project["name"], project.get("config") or {}
    document = yaml.safe_load((project_dir / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")) or {}
    values = dict(document.get("config") or {})
    for key, value in (overrides or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if value is REMOVE:
            values.pop(full, None)
        else:
            values[full] = value
    problems = [
        f"'{key}' is an encrypted secret; this harness cannot decrypt it"
        for key, value in values.items()
        if isinstance(value, dict) and "secure" in value
    ]
    for key, spec in schema.items():
        full = f"{name}:{key}"
        if full not in values:
            if "default" in spec:
                values[full] = spec["default"]
            else:
                problems.append(f"Stack '{stack}' is missing configuration value '{full}'")
        elif not _type_ok(spec.get("type", "string"), values[full]):
            problems.append(
                f"Stack '{stack}' with configuration key '{full}' must be of type '{spec['type']}'"
            )
    if problems:
        raise StackConfigError(_with_every_problem(stack, name, problems, values))
    return {key: _engine_string(value) for key, value in values.items()}


def _with_every_problem(stack: str, project: str, problems: list[str], values: Mapping[str, Any]) -> str:
    """The engine's schema problems, each followed by its fix, and then every other problem the program
    would report (components.settings), so one run shows all of a stack file's problems."""
    from components.settings import ConfigError, parse_settings  # the product's parser, imported late

    prefix = f"{project}:"
    raw = {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix) and not isinstance(v, dict)}
    try:
        parse_settings(raw, stack)
        fixes: dict[str, str] = {}
    except ConfigError as error:
        fixes = {f"{prefix}{key}": message for key, message in error.problems}
    lines = []
    for problem in problems:
        key = next((k for k in fixes if f"'{k}'" in problem), None)
        lines.append(f"{problem}: {fixes.pop(key)}" if key else problem)
    lines += [f"{key}: {message}" for key, message in fixes.items()]
    count = len(lines)
    head = f"Pulumi.{stack}.yaml has {count} configuration problem{'s' * (count != 1)}; nothing was deployed:"
    return "\n  ".join([head, *lines])


def _mock_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


class DeterministicMocks(mocks.Mocks):
    """Outputs a provider would return, deterministic per stack; `resource_hook`/`call_hook` answer first
    when they return something (the offline runner forwards dynamic resources to the provider server)."""

    def __init__(
        self,
        stack: str,
        config: Mapping[str, str],
        project: str = "handoff",
        resource_hook: Optional[Callable[[mocks.MockResourceArgs], Optional[tuple]]] = None,
        call_hook: Optional[Callable[[mocks.MockCallArgs], Optional[dict]]] = None,
    ) -> None:
        self.stack, self.config, self.project = stack, config, project
        self.resource_hook, self.call_hook = resource_hook, call_hook
        known = STACK_IDENTITIES.get(stack)
        self.bot_app_client_id = known.bot_app_client_id if known else _mock_id(stack, "bot-app-client-id")
        self.tenant_id = config.get(f"{project}:tenantId", "")
        self.subscription_id = config.get(f"{project}:subscriptionId", "")

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[Optional[str], dict]:
        if self.resource_hook is not None:
            answer = self.resource_hook(args)
            if answer is not None:
                return answer
        if not args.custom:
            return "", {}
        inputs, object_id = dict(args.inputs), _mock_id(self.stack, args.typ, args.name)
        if args.typ == "azuread:index/application:Application":
            return f"/applications/{object_id}", {
                **inputs,
                "objectId": object_id,
                "clientId": self.bot_app_client_id,
            }
        if args.typ == "azuread:index/servicePrincipal:ServicePrincipal":
            return object_id, {**inputs, "objectId": object_id, "applicationTenantId": self.tenant_id}
        if args.typ == _FIC_TYPE:
            return (
                f"{inputs['applicationId']}/federatedIdentityCredential/{object_id}",
                {**inputs, "credentialId": object_id},
            )
        if args.typ == "azuread:index/applicationPassword:ApplicationPassword":
            return (
                f"{inputs['applicationId']}/password/{object_id}",
                {**inputs, "keyId": object_id, "value": f"mock-secret-{object_id[:8]}"},
            )
        if args.typ == "azure-native:botservice:Bot":
            arm_id = (
                f"/subscriptions/{self.subscription_id}/resourceGroups/{inputs['resourceGroupName']}"
                f"/providers/Microsoft.BotService/botServices/{inputs['resourceName']}"
            )
            return arm_id, {
                **inputs,
                "name": inputs["resourceName"],
                "type": "Microsoft.BotService/botServices",
            }
        if args.typ == "azure-native:botservice:Channel":
            arm_id = (
                f"/subscriptions/{self.subscription_id}/resourceGroups/{inputs['resourceGroupName']}"
                f"/providers/Microsoft.BotService/botServices/{inputs['resourceName']}"
                f"/channels/{inputs['channelName']}"
            )
            return arm_id, {**inputs, "name": f"{inputs['resourceName']}/{inputs['channelName']}"}
        return object_id, inputs

    def call(self, args: mocks.MockCallArgs) -> dict:
        # A plain dict: the SDK's MockMonitor cannot take a (result, None) tuple (it iterates the failures).
        if self.call_hook is not None:
            answer = self.call_hook(args)
            if answer is not None:
                return answer
        if args.token == "azure-native:managedidentity:getUserAssignedIdentity":
            return {
                "clientId": self.bot_app_client_id,
                "tenantId": self.tenant_id,
                "principalId": _mock_id(self.stack, "msi-principal"),
                "name": args.args.get("resourceName"),
            }
        raise NotImplementedError(f"offline/program.py has no mock for the invoke {args.token}; add one")


class RecordingMonitor(mocks.MockMonitor):
    """A MockMonitor that records every registration with the options the engine would see, and every
    RegisterResourceOutputs (the root stack's is the stack outputs)."""

    def __init__(self, mock: mocks.Mocks) -> None:
        super().__init__(mock)
        self.registrations: list[Registration] = []
        self.outputs_by_urn: dict[str, tuple[dict, frozenset[str]]] = {}

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != STACK_TYPE:
            inputs, secret_inputs = unwrap_bag(rpc.deserialize_properties(request.object))
            registered = self.resources.get(response.urn)
            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    custom=bool(request.custom),
                    protect=bool(request.protect),
                    inputs=inputs,
                    secret_inputs=secret_inputs,
                    dependencies=tuple(request.dependencies),
                    provider=request.provider,
                    delete_before_replace=bool(request.deleteBeforeReplace),
                    replace_on_changes=tuple(request.replaceOnChanges),
                    additional_secret_outputs=tuple(request.additionalSecretOutputs),
                    retain_on_delete=bool(request.retainOnDelete),
                    id=response.id,
                    outputs=dict(registered.state) if registered else {},
                    aliases=tuple(str(a) for a in request.aliases) + tuple(request.aliasURNs),
                )
            )
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802 (gRPC method name)
        self.outputs_by_urn[request.urn] = unwrap_bag(rpc.deserialize_properties(request.outputs))
        return super().RegisterResourceOutputs(request)


@contextlib.contextmanager
def _importable(project_dir: pathlib.Path) -> Iterator[None]:
    path = str(project_dir)
    added = path not in sys.path
    if added:
        sys.path.insert(0, path)
    try:
        yield
    finally:
        if added:
            sys.path.remove(path)


def _drain(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a failed program left pending and collect its errors, so that closing the loop does not
    print "Task was destroyed but it is pending!" or "exception was never retrieved" for a failure already
    reported (the garbage collector printing those during a later `ast.parse` also tripped CPython 3.11's
    "AST constructor recursion depth mismatch")."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    # Futures the SDK failed but nobody awaited any more: their errors are the one already reported.
    loop.set_exception_handler(
        lambda _loop, context: None if "exception" in context else _loop.default_exception_handler(context)
    )


def run_program(
    project_dir: pathlib.Path = ROOT,
    stack: str = "dev",
    *,
    overrides: Optional[Mapping[str, Any]] = None,
    config: Optional[Mapping[str, str]] = None,
    preview: bool = False,
    mock: Optional[mocks.Mocks] = None,
    monitor_factory: Optional[Callable[[mocks.Mocks], RecordingMonitor]] = None,
) -> ProgramRun:
    """Evaluate `project_dir/__main__.py` for `stack`; ProgramError if the program raised.

    `monitor_factory` builds the monitor from the mocks (the offline runner's engine monitor records more)."""
    project = load_project(project_dir)["name"]
    config = dict(config) if config is not None else load_stack_config(project_dir, stack, overrides)
    mock = mock or DeterministicMocks(stack, config, project)
    monitor = (monitor_factory or RecordingMonitor)(mock)
    # Each run gets its own event loop, closed at the end: callers may have run asyncio.run() before (which
    # leaves no current loop) and must not inherit one from us.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    error: Optional[BaseException] = None
    try:
        set_all_config(config, [])
        mocks.set_mocks(mock, project=project, stack=stack, preview=preview, monitor=monitor)
        runtime_settings.ROOT.set(None)  # the program gets its own root Stack, as under the engine
        # set_mocks does not reset the SDK's set of pending output tasks: a program that failed leaves tasks
        # of its (now closed) event loop there, and the next run would wait on them ("Event loop is closed").
        runtime_settings.SETTINGS.outputs = set()
        with _importable(project_dir):
            program = str(project_dir / "__main__.py")
            _sync_await(run_in_stack(lambda: runpy.run_path(program, run_name="__main__")))
    except Exception as raised:  # noqa: BLE001 - the process edge of the simulated program: reported below
        error = raised
    finally:
        set_all_config({}, [])
        _drain(loop)
        asyncio.set_event_loop(None)
        loop.close()
    stack_outputs = next(
        (bag for urn, bag in monitor.outputs_by_urn.items() if f"::{STACK_TYPE}::" in urn), ({}, frozenset())
    )
    run = ProgramRun(project, stack, config, tuple(monitor.registrations), stack_outputs[0], stack_outputs[1])
    if error is not None:
        raise ProgramError(error, run) from error
    return run


def main(argv: Optional[list[str]] = None) -> int:
    """`python -m offline.program [stack]`: print what the program declares for a committed stack.

    A configuration problem or a missing stack file prints its message alone (exit 2), never a traceback."""
    stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))
    parser = argparse.ArgumentParser(
        prog="python -m offline.program",
        description="Evaluate __main__.py under Pulumi mocks for a committed stack and print what it "
        "declares (no engine, no request to any service).",
    )
    parser.add_argument(
        "stack", nargs="?", default="dev", help=f"the stack file to read: {', '.join(stacks)}"
    )
    stack = parser.parse_args(argv).stack
    if stack not in stacks:
        print(
            f"error: there is no Pulumi.{stack}.yaml in {ROOT}; use one of: {', '.join(stacks)} "
            "(or add the stack file: README.md#adding-an-environment)",
            file=sys.stderr,
        )
        return 2
    try:
        run = run_program(ROOT, stack)
    except StackConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ProgramError as error:
        if not isinstance(error.error, RunError):  # a defect: its traceback is what a bug report needs
            raise
        print(f"error: {error.error}", file=sys.stderr)
        return 2
    for r in run.registrations:
        print(f"{'protect ' if r.protect else '        '}{r.type:<75} {r.name}")
    for name, value in sorted(run.outputs.items()):
        print(f"output {name} = {'[secret]' if name in run.secret_outputs else value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
