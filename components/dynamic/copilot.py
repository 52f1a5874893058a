"""CopilotAgent (`pulumi-python:dynamic/copilot:CopilotAgent`): the Copilot Studio agent the bot is, checked
and, when the stack asks (`publish`), published.

The agent is found by schema name and must be provisioned (status 1; other codes are catalogue errors), named
as the stack declares (`agentName`, at most 30 characters: longer names fail to connect to Omnichannel), with
Omnichannel's bot extension installed in the environment. With `publish`, it is published (PvaPublish) when
it was never published, when it was edited after its last publish, or when the binding changed: the
OmnichannelBinding passes a `bindingFingerprint` of its other resources' outputs, and hand-off only works end
to end once the agent is published after connecting. `publishedOn` reports the last publish.

Drift: an agent edited and not republished reads `publishState: stale` (modified after published) and update
publishes it; a renamed or deprovisioned agent is reported and update fails with what to do. The agent is
never created or deleted here: it belongs to its makers in Copilot Studio. Delete, even with the removal
override, only forgets it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, UpdateResult

import components.validation as validation
from components.clients import preflight
from components.clients.dataverse import DataverseClient
from components.clients.records import CopilotAgent as AgentRecord

from .base import BindingProvider, BindingResource, unless_gone
from .specs import Spec, State, derived, is_unknown, outputs, prop, same

CURRENT, STALE, NEVER = "current", "stale", "never"


def publish_state(agent: AgentRecord) -> str:
    if not agent.is_published:
        return NEVER
    return STALE if agent.has_unpublished_changes else CURRENT


@dataclasses.dataclass(frozen=True, kw_only=True)
class CopilotAgentSpec(Spec):
    schema_name: str = prop(validation.check_agent_schema_name)
    agent_name: str = prop(validation.check_agent_name)
    publish: bool = prop(validation.check_bool, True)
    binding_fingerprint: str = prop(str, "")
    provisioned: bool = derived(True)
    publish_state: Optional[str] = derived()  # "current" when the stack publishes; not compared otherwise

    MANAGED: ClassVar = {
        key: same(key) for key in ("agentName", "provisioned", "publishState", "bindingFingerprint")
    }

    @classmethod
    def derive(cls, inputs: Mapping[str, Any]) -> dict:
        return {"publishState": CURRENT if inputs.get("publish") else None}

    @classmethod
    def _move_failures(cls, olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[CheckFailure]:
        """A binding connects one agent: another agent (schema names never change in Dataverse) has its own
        bot user from its own Connect, so it is another binding, not an update of this one."""
        failures = super()._move_failures(olds, inputs)
        old, new = olds.get("schemaName"), inputs.get("schemaName")
        if old and new and not is_unknown(old) and not is_unknown(new) and old.lower() != new.lower():
            failures.append(
                CheckFailure(
                    "schemaName",
                    f"schemaName: the binding connects the agent {old}; {new} is another agent, with "
                    "its own bot user from its own Connect (handoff:copilotAgentAppId). Bind it in a stack "
                    'of its own (README, "Adding an environment"), or remove this binding first '
                    "(docs/binding.md#removing-a-binding) and then declare the new agent",
                )
            )
        return failures


@dataclasses.dataclass(frozen=True, kw_only=True)
class CopilotAgentState(State):
    agent_id: str
    agent_name: str
    status: Optional[int]
    provisioned: bool
    publish_state: str
    published_on: Optional[str]
    modified_on: Optional[str]

    @classmethod
    def of(cls, agent: AgentRecord) -> "CopilotAgentState":
        return cls(
            agent_id=agent.id,
            agent_name=agent.name,
            status=agent.status,
            provisioned=agent.is_provisioned,
            publish_state=publish_state(agent),
            published_on=agent.published_on.isoformat() if agent.published_on else None,
            modified_on=agent.modified_on.isoformat() if agent.modified_on else None,
        )


def reconcile(
    client: DataverseClient,
    agent: AgentRecord,
    want: CopilotAgentSpec,
    *,
    binding_changed: bool,
    timeout_seconds: float,
) -> AgentRecord:
    """Check the agent (catalogue errors) and publish it when the stack asks and it is due."""
    preflight.require_agent_ready(agent, must_be_published=not want.publish)
    preflight.require_agent_named(agent, want.agent_name)
    preflight.require_solutions(preflight.installed_solutions(client))
    if want.publish and (binding_changed or publish_state(agent) != CURRENT):
        # Waits for the publish job, at most handoff:publishTimeoutSeconds.
        agent = client.publish_agent(agent.id, previous=agent, timeout_seconds=timeout_seconds)
    return agent


class CopilotAgentProvider(BindingProvider):
    SPEC = CopilotAgentSpec
    STATE = CopilotAgentState
    KIND = "the Copilot Studio agent"
    UNDO = "forgets the agent: it is never deleted or unpublished"
    RESOLVES = ("environmentUrl", "schemaName", "agentName", "publish")

    def resolve(self, inputs: Mapping[str, Any]) -> None:
        """The agent exists, is provisioned and named as declared, the extension is installed."""
        values = [inputs.get(k) for k in self.RESOLVES]
        if any(is_unknown(v) for v in values):
            return
        url, schema_name, name, publish = values
        client = self.dataverse(url)
        agent = client.agent(schema_name)
        preflight.require_agent_ready(agent, must_be_published=not publish)
        preflight.require_agent_named(agent, name)
        preflight.require_solutions(preflight.installed_solutions(client))

    def create(self, props: Mapping[str, Any]) -> CreateResult:
        want = self.spec_of(props)
        client = self.dataverse(want.environment_url)
        agent = reconcile(
            client,
            client.agent(want.schema_name),
            want,
            binding_changed=True,
            timeout_seconds=self.context.publish_timeout_seconds,
        )
        return CreateResult(agent.id, outputs(want, CopilotAgentState.of(agent)))

    def read(self, id_: str, props: Mapping[str, Any]):
        want = self.spec_of(props)
        agent = unless_gone(lambda: self.dataverse(want.environment_url).agent_by_id(id_))
        return self.read_result(id_, want, CopilotAgentState.of(agent) if agent else None)

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> UpdateResult:
        want, before = self.spec_of(news), self.spec_of(olds)
        client = self.dataverse(want.environment_url)
        agent = reconcile(
            client,
            client.agent_by_id(id_),
            want,
            binding_changed=before.binding_fingerprint != want.binding_fingerprint,
            timeout_seconds=self.context.publish_timeout_seconds,
        )
        return UpdateResult(outputs(want, CopilotAgentState.of(agent)))


class CopilotAgent(BindingResource, module="copilot", name="CopilotAgent"):
    """The Copilot Studio agent: provisioned, named as declared, published when the binding changes."""

    PROVIDER: ClassVar[type] = CopilotAgentProvider

    agent_id: pulumi.Output[str]
    published_on: pulumi.Output[str]
