"""The plan of one Omnichannel binding: which children it has, in which order, each one's inputs and what it
waits for. The one place the binding's wiring is written.

Two consumers read it and nothing else decides the wiring:
- `components.omnichannel.OmnichannelBinding` declares the children as Pulumi resources (`Ref` becomes the
  earlier child's output, `Fingerprint` an `Output.all(...)` hash);
- `offline.harness.Binding` drives the same children through the SDK's provider server, one resource at a
  time as the engine would (`Ref` becomes the recorded output, `Fingerprint` the hash of recorded outputs).

Inputs are keyed by the resources' Python argument names (`user_id`); on the wire they are camelCase
(`components.dynamic.specs.wire`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Callable, Mapping, Optional, Sequence

import pulumi

from components.config_keys import COPILOT_STUDIO
from components.dynamic.agent_user import ConnectedAgentUser
from components.dynamic.base import BindingResource
from components.dynamic.bot_user import BotApplicationUser
from components.dynamic.context import ContextVariables
from components.dynamic.copilot import CopilotAgent
from components.dynamic.queue import QueueMembership
from components.dynamic.role import RoleAssignment
from components.dynamic.workstream import WorkstreamBot
from components.settings import Settings


@dataclasses.dataclass(frozen=True)
class Ref:
    """An output (wire key) of an earlier child: the consumer waits for that child."""

    role: str
    key: str


@dataclasses.dataclass(frozen=True)
class Fingerprint:
    """A short hash of earlier children's outputs (`binding_fingerprint`)."""

    parts: tuple[Ref, ...]


@dataclasses.dataclass(frozen=True)
class Child:
    """One child resource: `<binding name>-<role>`, its class, inputs, and the children it waits for beyond
    the ones its `Ref`s name."""

    role: str
    resource: type[BindingResource]
    inputs: Mapping[str, Any]
    after: tuple[str, ...] = ()

    def resolved(self, output: Callable[[Ref], Any], fingerprint: Callable[[list], Any]) -> dict[str, Any]:
        """The inputs with each `Ref` replaced by `output(ref)` and each `Fingerprint` by `fingerprint` of
        its parts' outputs (the program combines Pulumi outputs, the harness plain values)."""

        def one(value: Any) -> Any:
            if isinstance(value, Ref):
                return output(value)
            if isinstance(value, Fingerprint):
                return fingerprint([output(part) for part in value.parts])
            return value

        return {key: one(value) for key, value in self.inputs.items()}

    def refs(self) -> tuple[Ref, ...]:
        found: list[Ref] = []
        for value in self.inputs.values():
            if isinstance(value, Ref):
                found.append(value)
            elif isinstance(value, Fingerprint):
                found.extend(value.parts)
        return tuple(found)


@dataclasses.dataclass(frozen=True, kw_only=True)
class OmnichannelBindingArgs:
    environment_url: str
    """Dataverse environment URL where Omnichannel runs (normalised)."""
    queue: str
    """Omnichannel messaging queue: name or GUID."""
    workstream: str
    """Push workstream: name or GUID."""
    bot_provider: str = COPILOT_STUDIO
    """COPILOT_STUDIO (an agent Copilot Studio's Connect registered) or AZURE_BOT (`other`)."""
    bot_app_id: pulumi.Input[str] = ""
    """The bot's App (client) ID: an Azure bot's app registration or user-assigned identity; a Copilot Studio
    agent's bot user that Connect made (`handoff:copilotAgentAppId`, may be empty: the error lists them)."""
    bot_capacity: int = 100
    """The bot user's capacity: the highest of its queue, so the bot takes conversations first."""
    context_variables: Sequence[str] = ()
    """`name:type` entries (text or number), names case-sensitive."""
    # An Azure bot's
    azure_bot_id: Optional[pulumi.Input[str]] = None
    """ARM id of the Azure Bot whose Omnichannel channel Omnichannel reaches the bot through."""
    omnichannel_channel_id: Optional[pulumi.Input[str]] = None
    """The Omnichannel channel resource's id: the user waits for it (its preflight checks the channel)."""
    bot_display_name: str = ""
    """Name of the Azure bot's application user (set when it is created)."""
    # A Copilot Studio agent's
    agent_schema_name: str = ""
    """Schema name of the Copilot Studio agent."""
    agent_name: str = ""
    """The agent's display name, at most 30 characters."""
    publish_agent: bool = True
    """Publish the agent when the binding changes."""

    @property
    def is_copilot_agent(self) -> bool:
        return self.bot_provider == COPILOT_STUDIO

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        bot_app_id: Optional[pulumi.Input[str]] = None,
        azure_bot_id: Optional[pulumi.Input[str]] = None,
        omnichannel_channel_id: Optional[pulumi.Input[str]] = None,
    ) -> "OmnichannelBindingArgs":
        """The binding of the stack's bot kind: an agent's App ID comes from the settings, an Azure bot's from
        its identity (`bot_app_id`), with its Azure Bot."""
        oc = settings.omnichannel
        common = dict(
            environment_url=oc.dataverse_url,
            queue=oc.queue,
            workstream=oc.workstream,
            bot_provider=settings.bot_provider,
            bot_capacity=oc.bot_capacity,
            context_variables=tuple(f"{v.name}:{v.type}" for v in oc.context_variables),
        )
        if settings.agent is not None:
            agent = settings.agent
            return cls(
                **common,
                bot_app_id=agent.app_id,
                agent_schema_name=agent.schema_name,
                agent_name=agent.name,
                publish_agent=agent.publish,
            )
        if bot_app_id is None or azure_bot_id is None or settings.bot is None:
            raise ValueError("an Azure bot's binding needs its App ID and Azure Bot id")
        return cls(
            **common,
            bot_app_id=bot_app_id,
            azure_bot_id=azure_bot_id,
            omnichannel_channel_id=omnichannel_channel_id,
            bot_display_name=settings.bot.display_name,
        )


def _user(values: "OmnichannelBindingArgs") -> Child:
    """The bot user: an agent's is verified (Connect made it), an Azure bot's created or adopted."""
    where = {"environment_url": values.environment_url, "bot_app_id": values.bot_app_id}
    if values.is_copilot_agent:
        return Child("user", ConnectedAgentUser, {**where, "capacity": values.bot_capacity})
    return Child(
        "user",
        BotApplicationUser,
        {
            **where,
            "display_name": values.bot_display_name,
            "azure_bot_id": values.azure_bot_id,
            "capacity": values.bot_capacity,
        },
    )


def plan(values: "OmnichannelBindingArgs") -> tuple[Child, ...]:
    """The children in dependency order (each only refers to children before it). An agent's binding ends
    with the agent (checked and published after what it connects); an Azure bot has no agent."""
    # Every child after the user names the App ID the user verified: an agent's may be empty in the stack
    # file, and then only the user's error (with the candidates) is shown.
    where = {"environment_url": values.environment_url, "bot_app_id": Ref("user", "botAppId")}
    user_id = Ref("user", "userId")
    children = (
        _user(values),
        Child(
            "role",
            RoleAssignment,
            {**where, "user_id": user_id, "business_unit_id": Ref("user", "businessUnitId")},
        ),
        # Queue and workstream wait for the role: Omnichannel routes only to users holding the agent role.
        Child(
            "queue",
            QueueMembership,
            {**where, "user_id": user_id, "queue": values.queue, "capacity": Ref("user", "capacity")},
            after=("role",),
        ),
        Child(
            "workstream",
            WorkstreamBot,
            {**where, "user_id": user_id, "workstream": values.workstream},
            after=("role",),
        ),
        Child(
            "context",
            ContextVariables,
            {
                **where,
                "workstream_id": Ref("workstream", "workstreamId"),
                "variables": list(values.context_variables),
            },
        ),
    )
    if not values.is_copilot_agent:
        return children
    agent = Child(
        "agent",
        CopilotAgent,
        {
            **where,
            "schema_name": values.agent_schema_name,
            "agent_name": values.agent_name,
            "publish": values.publish_agent,
            # Republished when what the binding connects changes: hand-off needs a publish after connecting.
            "binding_fingerprint": Fingerprint(
                (
                    user_id,
                    Ref("role", "roleId"),
                    Ref("queue", "queueId"),
                    Ref("workstream", "workstreamId"),
                    Ref("context", "variables"),
                )
            ),
        },
    )
    return (*children, agent)


def roles(values: "OmnichannelBindingArgs") -> tuple[str, ...]:
    return tuple(child.role for child in plan(values))


def binding_fingerprint(parts: Sequence[Any]) -> str:
    """A short hash of what the binding connects; the agent is republished when it changes. Lists (the context
    variables) count as sets of exact entries: names are case-sensitive, so `orderId` and `OrderId` are two
    bindings (context-variables-for-bot.md)."""
    normal = [sorted(str(item) for item in p) if isinstance(p, (list, tuple)) else p for p in parts]
    text = json.dumps(normal, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
