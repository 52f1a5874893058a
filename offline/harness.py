"""Drive a binding's dynamic providers through the SDK's real provider server (`offline.provider_server`),
one resource at a time as the engine would, against the emulator. Used by the provider tests, the stress
suites and the benchmarks.

- `Driver`: one resource (type, URN) through Check/Diff/Create/Read/Update/Delete, with the provider pickled
  exactly as the SDK pickles it (`serialize_provider`) in every property bag.
- `Binding`: the children of one OmnichannelBinding as `components.binding_plan` declares them (the same
  plan the component reads), inputs wired from the recorded outputs of the children before.
- `stack_binding`: the binding of a committed stack file (the component's own args), with the native ids the
  offline runner's mocks give (the bot's app id and Azure Bot).
- `server_env`/`stack_config`: what the engine would give the plugin process: the deployer's credentials in
  its environment (never in config), the emulator's CA through REQUESTS_CA_BUNDLE, and the stack's config
  with the endpoint overrides pointing at the emulator.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional

from pulumi.dynamic.dynamic import serialize_provider

from components.binding_plan import OmnichannelBindingArgs, Ref, binding_fingerprint, plan
from components.dynamic.specs import wire
from components.omnichannel import TYPE_TOKEN as BINDING
from components.settings import parse_settings
from emulator.dataverse import testing as dv
from emulator.entra.testing import fixture_secret

from .emulator import endpoint_overrides
from .program import ROOT, STACK_IDENTITIES, load_stack_config
from .provider_server import CheckOutcome, DiffOutcome, ProviderServer, ReadOutcome, urn

# Credential variables a developer's shell may carry that would win over the secret (credentials.py
# precedence).
_BLANKED = (
    "ARM_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "ARM_USE_OIDC",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_CLIENT_SECRET",
)


def server_env(emulator, app_id: str = dv.DEPLOYER_APP) -> dict:
    """The provider process's environment: one service principal's secret, the emulator's CA trusted."""
    return {
        **dict.fromkeys(_BLANKED, ""),
        "REQUESTS_CA_BUNDLE": emulator.ca_path,
        "ARM_CLIENT_ID": app_id,
        "ARM_TENANT_ID": dv.TENANT,
        "ARM_CLIENT_SECRET": fixture_secret(app_id),
    }


def stack_config(emulator, stack: str = "dev", **overrides: Any) -> dict:
    """The whole stack config as the engine sends it to Configure, endpoints pointing at the emulator."""
    return load_stack_config(ROOT, stack, {**endpoint_overrides(emulator.base_url), **overrides})


def start_server(emulator, app_id: str = dv.DEPLOYER_APP, **config: Any) -> ProviderServer:
    server = ProviderServer(cwd=str(ROOT), env=server_env(emulator, app_id)).start()
    server.configure(stack_config(emulator, **config))
    return server


@dataclasses.dataclass(frozen=True)
class Deployed:
    """What the engine keeps in state for one resource: id, outputs, and the inputs they came from."""

    id: str
    outputs: dict
    inputs: dict


def type_token(resource: type) -> str:
    return f"pulumi-python:{resource._resource_type_name}"


def roles(stack: str = "dev") -> tuple[str, ...]:
    """The binding's children of a committed stack, in the plan's order."""
    return tuple(child.role for child in plan(stack_binding(stack)))


def resource_of(role: str, stack: str = "dev") -> type:
    """The resource class of one child of a committed stack's binding."""
    return next(child.resource for child in plan(stack_binding(stack)) if child.role == role)


class Driver:
    """One binding resource, driven through the provider server as the engine drives it. `resource` is the
    resource class, or the role of a child of the stack's binding (`"user"`)."""

    def __init__(
        self, server: ProviderServer, resource: Any, name: Optional[str] = None, stack: str = "dev"
    ) -> None:
        role = resource if isinstance(resource, str) else None
        self.server = server
        self.resource = resource_of(role, stack) if role else resource
        name = name or f"omnichannel-{role or self.resource.__name__}"
        self.urn = urn(stack, "handoff", type_token(self.resource), name, parent_type=BINDING)

    def bag(self, inputs: Mapping[str, Any]) -> dict:
        return {**inputs, "__provider": serialize_provider(self.resource.PROVIDER())}

    def check(self, inputs: Mapping[str, Any], olds: Optional[Mapping[str, Any]] = None) -> CheckOutcome:
        return self.server.check(self.urn, dict(olds or {}), self.bag(inputs))

    def checked(self, inputs: Mapping[str, Any], olds: Optional[Mapping[str, Any]] = None) -> dict:
        outcome = self.check(inputs, olds)
        assert outcome.failures == (), outcome.failures
        return outcome.inputs

    def create(self, inputs: Mapping[str, Any]) -> Deployed:
        checked = self.checked(inputs)
        id_, outs = self.server.create(self.urn, checked)
        return Deployed(id_, outs, checked)

    def diff(self, deployed: Deployed, inputs: Optional[Mapping[str, Any]] = None) -> DiffOutcome:
        """Check then Diff, as `pulumi up` does for a resource in state (news default: the same inputs)."""
        news = self.checked(inputs if inputs is not None else deployed.inputs, deployed.inputs)
        return self.server.diff(deployed.id, self.urn, deployed.outputs, news, old_inputs=deployed.inputs)

    def read(self, deployed: Deployed) -> ReadOutcome:
        return self.server.read(deployed.id, self.urn, deployed.outputs, inputs=deployed.inputs)

    def refresh(self, deployed: Deployed) -> tuple[ReadOutcome, DiffOutcome]:
        """What `pulumi refresh --preview-only` asks: Read, then Diff of the live outputs against the desired
        (stored) inputs."""
        read = self.read(deployed)
        if read.gone:
            return read, DiffOutcome("some", (), False, ())
        return read, self.server.diff(
            deployed.id, self.urn, read.outputs, deployed.inputs, old_inputs=read.inputs
        )

    def update(
        self,
        deployed: Deployed,
        olds: Optional[Mapping[str, Any]] = None,
        inputs: Optional[Mapping[str, Any]] = None,
    ) -> Deployed:
        news = self.checked(inputs if inputs is not None else deployed.inputs, deployed.inputs)
        outs = self.server.update(
            deployed.id, self.urn, dict(olds or deployed.outputs), news, old_inputs=deployed.inputs
        )
        return Deployed(deployed.id, outs, news)

    def delete(self, deployed: Deployed) -> None:
        self.server.delete(deployed.id, self.urn, deployed.outputs)


def stack_binding(stack: str = "dev", **overrides: Any) -> OmnichannelBindingArgs:
    """A committed stack's binding (an Azure bot's with the bot ids the offline runner's mocks give that
    stack); `overrides` replace fields as a user edits the stack file."""
    config = load_stack_config(ROOT, stack)
    settings = parse_settings({key.split(":", 1)[1]: value for key, value in config.items()}, stack)
    if settings.is_copilot_agent:
        return dataclasses.replace(OmnichannelBindingArgs.from_settings(settings), **overrides)
    bot = settings.bot
    args = OmnichannelBindingArgs.from_settings(
        settings,
        bot_app_id=STACK_IDENTITIES[stack].bot_app_client_id,
        azure_bot_id=azure_bot_id(settings.subscription_id, bot.resource_group_name, bot.name),
    )
    return dataclasses.replace(args, **overrides)


def azure_bot_id(subscription_id: str, resource_group: str, bot_name: str) -> str:
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.BotService/botServices/{bot_name}"
    )


#: The Azure bot of the native fixture in the dev environment (emulator/fixtures/native/bots.json): app
#: 44444444-…, Azure Bot contoso-handoff-dev with its Omnichannel and Teams channels.
DEV_AZURE_BOT_ID = azure_bot_id(
    "33333333-3333-4333-8333-333333333333", "rg-handoff-dev", "contoso-handoff-dev"
)


def azure_bot_binding(**overrides: Any) -> OmnichannelBindingArgs:
    """An Azure (Bot Framework) bot's binding in the dev environment: the prod stack's kind of binding with
    the dev environment's bot, queue and workstream (what a dev stack of that kind would declare)."""
    args = dataclasses.replace(
        stack_binding("prod"),
        environment_url=dv.DEV,
        bot_app_id=STACK_IDENTITIES["dev"].bot_app_client_id,
        azure_bot_id=DEV_AZURE_BOT_ID,
        bot_display_name="Contoso Handoff (dev)",
        bot_capacity=100,
    )
    return dataclasses.replace(args, **overrides)


class Binding:
    """The children of one binding, wired as `components.binding_plan` declares them."""

    def __init__(
        self, server: ProviderServer, spec: Optional[OmnichannelBindingArgs] = None, name: str = "omnichannel"
    ):
        self.spec = spec or stack_binding()
        self.drivers = {
            child.role: Driver(server, child.resource, f"{name}-{child.role}") for child in plan(self.spec)
        }
        self.state: dict[str, Deployed] = {}

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(self.drivers)

    def inputs(self, role: str) -> dict:
        """The child's wire inputs, from the spec and the recorded outputs of the children it refers to."""
        child = next(c for c in plan(self.spec) if c.role == role)

        def output(ref: Ref) -> Any:
            return self.state[ref.role].outputs[ref.key]

        inputs = child.resolved(output, binding_fingerprint)
        return {
            wire(key): list(value) if isinstance(value, tuple) else value for key, value in inputs.items()
        }

    def deploy(self, roles: Optional[tuple[str, ...]] = None) -> dict[str, Deployed]:
        """`pulumi up` of a new binding: Check and Create each resource in dependency order."""
        for role in roles or self.order:
            self.state[role] = self.drivers[role].create(self.inputs(role))
        return self.state

    def preview(self) -> dict[str, DiffOutcome]:
        """`pulumi up`/`preview` of a deployed binding: Check and Diff each resource."""
        return {role: self.drivers[role].diff(self.state[role], self.inputs(role)) for role in self.state}

    def refresh(self) -> dict[str, tuple[ReadOutcome, DiffOutcome]]:
        return {role: self.drivers[role].refresh(self.state[role]) for role in self.state}

    def remediate(self, role: str) -> Deployed:
        """`pulumi up --refresh` for one resource: Read, then Update from the live outputs."""
        driver = self.drivers[role]
        read = driver.read(self.state[role])
        self.state[role] = driver.update(self.state[role], olds=read.outputs, inputs=self.inputs(role))
        return self.state[role]


# --- the emulator's state, for assertions on duplicates and orphans ---------------------------------------
def environment_state(emulator, url: str = dv.DEV) -> dict:
    return next(e for e in emulator.state("dataverse")["environments"] if e["url"] == url)


def rows(emulator, table: str, url: str = dv.DEV, **match: Any) -> list[dict]:
    """The rows of a table whose columns equal `match` (GUIDs compared in lower case)."""

    def same(value: Any, wanted: Any) -> bool:
        return str(value).lower() == str(wanted).lower() if isinstance(wanted, str) else value == wanted

    return [
        row
        for row in environment_state(emulator, url)["tables"].get(table, [])
        if all(same(row.get(column), wanted) for column, wanted in match.items())
    ]


def pairs(emulator, relationship: str, url: str = dv.DEV) -> set[tuple[str, str]]:
    return {tuple(pair) for pair in environment_state(emulator, url)["associations"].get(relationship, [])}


def writes(emulator, service: str = "dataverse") -> list:
    """The requests that could change something (every method but GET), in order."""
    return [r for r in emulator.requests(service=service) if r.method != "GET"]
