"""Helpers of the provider tests (and the binding benchmark): drive the binding's dynamic providers through
the
SDK's real provider server (`offline.provider_server`), one resource at a time as the engine would, against
the emulator.

- `Driver`: one resource (type, URN) through Check/Diff/Create/Read/Update/Delete, with the provider pickled
  exactly as the SDK pickles it (`serialize_provider`) in every property bag.
- `Binding`: the six resources of one OmnichannelBinding in the component's order, inputs wired from the
  previous resources' outputs as `components/omnichannel.py` wires them (the agent's binding fingerprint too).
- `server_env`/`stack_config`: what the engine would give the plugin process: the deployer's credentials in
  its environment (never in config), the emulator's CA through REQUESTS_CA_BUNDLE, and the dev stack's config
  with the endpoint overrides pointing at the emulator.
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any, Mapping, Optional

from pulumi.dynamic.dynamic import serialize_provider

from components.dynamic.bot_user import BotApplicationUser, BotApplicationUserProvider
from components.dynamic.context import ContextVariables, ContextVariablesProvider
from components.dynamic.copilot import CopilotAgent, CopilotAgentProvider
from components.dynamic.queue import QueueMembership, QueueMembershipProvider
from components.dynamic.role import RoleAssignment, RoleAssignmentProvider
from components.dynamic.workstream import WorkstreamBot, WorkstreamBotProvider
from components.omnichannel import TYPE_TOKEN as BINDING
from components.omnichannel import binding_fingerprint
from offline.program import load_stack_config
from offline.provider_server import CheckOutcome, DiffOutcome, ProviderError, ProviderServer, ReadOutcome, urn
from tests.emulator.dataverse import testing as dv
from tests.emulator.entra.testing import fixture_secret

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEV_AZURE_BOT = (
    "/subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/rg-handoff-dev/providers/"
    "Microsoft.BotService/botServices/contoso-handoff-dev"
)
# Credential variables a developer's shell may carry that would win over the secret (credentials.py
# precedence).
_BLANKED = (
    "ARM_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "ARM_USE_OIDC",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_CLIENT_SECRET",
)

# role -> (provider class, resource class): the resource class gives the type token.
KINDS = {
    "user": (BotApplicationUserProvider, BotApplicationUser),
    "role": (RoleAssignmentProvider, RoleAssignment),
    "queue": (QueueMembershipProvider, QueueMembership),
    "workstream": (WorkstreamBotProvider, WorkstreamBot),
    "context": (ContextVariablesProvider, ContextVariables),
    "agent": (CopilotAgentProvider, CopilotAgent),
}
ORDER = tuple(KINDS)


def type_token(role: str) -> str:
    return f"pulumi-python:{KINDS[role][1]._resource_type_name}"


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
    return load_stack_config(
        ROOT,
        stack,
        {
            "authorityHost": emulator.base_url,
            "resourceManagerEndpoint": emulator.base_url,
            "dataverseApiEndpoint": f"{emulator.base_url}/api/data/v9.2",
            **overrides,
        },
    )


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


class Driver:
    """One binding resource, driven through the provider server as the engine drives it."""

    def __init__(self, server: ProviderServer, role: str, name: Optional[str] = None) -> None:
        self.server, self.role = server, role
        self.provider = KINDS[role][0]
        self.urn = urn("dev", "handoff", type_token(role), name or f"omnichannel-{role}", parent_type=BINDING)

    def bag(self, inputs: Mapping[str, Any]) -> dict:
        return {**inputs, "__provider": serialize_provider(self.provider())}

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


@dataclasses.dataclass
class BindingSpec:
    """The stack values of one binding (the dev stack's by default)."""

    app_id: str = dv.DEV_BOT_APP
    environment_url: str = dv.DEV
    azure_bot_id: str = DEV_AZURE_BOT
    display_name: str = "Contoso Handoff (dev)"
    bot_provider: str = "copilotStudio"
    capacity: int = 100
    queue: str = "Bot escalations"
    workstream: str = "Contoso chat"
    variables: tuple[str, ...] = ("customerTier:text", "orderNumber:text")
    agent_schema_name: str = "cr5a1_contosoHelper"
    agent_name: str = "Contoso Helper"
    publish: bool = True


class Binding:
    """The six resources of one binding, wired as the OmnichannelBinding component wires them."""

    def __init__(self, server: ProviderServer, spec: Optional[BindingSpec] = None, name: str = "omnichannel"):
        self.spec = spec or BindingSpec()
        self.drivers = {role: Driver(server, role, f"{name}-{role}") for role in ORDER}
        self.state: dict[str, Deployed] = {}

    def inputs(self, role: str) -> dict:
        s, out = self.spec, (lambda r, key: self.state[r].outputs[key])
        where = {"environmentUrl": s.environment_url, "botAppId": s.app_id}
        if role == "user":
            return {
                **where,
                "displayName": s.display_name,
                "azureBotId": s.azure_bot_id,
                "botProvider": s.bot_provider,
                "capacity": s.capacity,
            }
        if role == "role":
            return {**where, "userId": out("user", "userId"), "businessUnitId": out("user", "businessUnitId")}
        if role == "queue":
            return {
                **where,
                "userId": out("user", "userId"),
                "queue": s.queue,
                "capacity": out("user", "capacity"),
            }
        if role == "workstream":
            return {**where, "userId": out("user", "userId"), "workstream": s.workstream}
        if role == "context":
            return {
                **where,
                "workstreamId": out("workstream", "workstreamId"),
                "variables": list(s.variables),
            }
        fingerprint = binding_fingerprint(
            [
                out("user", "userId"),
                out("role", "roleId"),
                out("queue", "queueId"),
                out("workstream", "workstreamId"),
                out("context", "variables"),
            ]
        )
        return {
            **where,
            "schemaName": s.agent_schema_name,
            "agentName": s.agent_name,
            "publish": s.publish,
            "bindingFingerprint": fingerprint,
        }

    def deploy(self, roles: tuple[str, ...] = ORDER) -> dict[str, Deployed]:
        """`pulumi up` of a new binding: Check and Create each resource in dependency order."""
        for role in roles:
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


def assert_entry(error: ProviderError, cls: str, key: str, *fragments: str) -> None:
    """The provider raised `cls` carrying the catalogue entry `key`, with every fragment in its message."""
    assert f"components.clients.errors.{cls}: " in error.details, error.details
    assert f"Mitigation [{key}]" in error.details
    for fragment in fragments:
        assert fragment in error.details, fragment
