"""OmnichannelBinding (`handoff:omnichannel:OmnichannelBinding`): the bot's connection to Omnichannel in one
Dataverse environment, as the portal's "configure bot" steps make it, declared once and never removed.

Children, in dependency order (each waits for what it uses):
  `<name>-user`        BotApplicationUser  the bot's application user (created, or adopted if one exists)
  `<name>-role`        RoleAssignment      the Omnichannel agent role, in the user's (root) business unit
  `<name>-queue`       QueueMembership     the bot in its Omnichannel messaging queue (after the role)
  `<name>-workstream`  WorkstreamBot       the bot as the push workstream's bot (after the role)
  `<name>-context`     ContextVariables    the workstream's context variables
  `<name>-agent`       CopilotAgent        the agent checked and, when asked, published after the binding

The component is registered with `protect=True`, which every child inherits: removing the binding from the
program, `pulumi destroy` or a replacement fails in the engine; the providers' delete refuses too unless
`handoff:allowBindingRemoval` is true (docs/binding.md, "Removing a binding").

The user's preflight checks the Azure Bot's Teams channel, so its `azureBotId` input also waits for the Teams
channel resource (`teams_channel_id`): on a first deploy the channel exists before the check runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Optional, Sequence

import pulumi

from components.dynamic.bot_user import BotApplicationUser
from components.dynamic.context import ContextVariables
from components.dynamic.copilot import CopilotAgent
from components.dynamic.queue import QueueMembership
from components.dynamic.role import RoleAssignment
from components.dynamic.workstream import WorkstreamBot
from components.settings import Settings

TYPE_TOKEN = "handoff:omnichannel:OmnichannelBinding"


@dataclasses.dataclass(frozen=True)
class OmnichannelBindingArgs:
    environment_url: str
    """Dataverse environment URL where Omnichannel runs (normalised)."""
    bot_app_id: pulumi.Input[str]
    """The bot's App (client) ID: the app registration's, or the user-assigned identity's."""
    azure_bot_id: pulumi.Input[str]
    """ARM id of the Azure Bot whose Teams channel Omnichannel reaches the bot through."""
    bot_display_name: str
    """Name of the bot's application user (set when it is created)."""
    agent_schema_name: str
    """Schema name of the Copilot Studio agent."""
    agent_name: str
    """The agent's display name, at most 30 characters."""
    queue: str
    """Omnichannel messaging queue: name or GUID."""
    workstream: str
    """Push workstream: name or GUID."""
    bot_provider: str = "copilotStudio"
    """`copilotStudio` or `other`."""
    bot_capacity: int = 100
    """The bot user's capacity: the highest of its queue, so the bot takes conversations first."""
    context_variables: Sequence[str] = ()
    """`name:type` entries (text, number, boolean, entity)."""
    publish_agent: bool = True
    """Publish the agent when the binding changes."""
    teams_channel_id: Optional[pulumi.Input[str]] = None
    """The Teams channel resource's id: the user waits for it (its preflight checks the channel)."""

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        bot_app_id: pulumi.Input[str],
        azure_bot_id: pulumi.Input[str],
        teams_channel_id: Optional[pulumi.Input[str]] = None,
    ) -> "OmnichannelBindingArgs":
        oc = settings.omnichannel
        return cls(
            environment_url=oc.dataverse_url,
            bot_app_id=bot_app_id,
            azure_bot_id=azure_bot_id,
            bot_display_name=settings.bot.display_name,
            agent_schema_name=oc.agent_schema_name,
            agent_name=oc.agent_name,
            queue=oc.queue,
            workstream=oc.workstream,
            bot_provider=oc.bot_provider,
            bot_capacity=oc.bot_capacity,
            context_variables=tuple(f"{v.name}:{v.type}" for v in oc.context_variables),
            publish_agent=oc.publish_agent,
            teams_channel_id=teams_channel_id,
        )


def binding_fingerprint(parts: Sequence[Any]) -> str:
    """A short hash of what the binding connects; the agent is republished when it changes. Lists (the context
    variables) count as sets of case-insensitive entries, as Dataverse compares names: a variable re-created
    after drift with another spelling of its name is the same binding."""
    normal = [sorted(str(item).lower() for item in p) if isinstance(p, (list, tuple)) else p for p in parts]
    text = json.dumps(normal, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _after(value: pulumi.Input[str], *waits: Optional[pulumi.Input[Any]]) -> pulumi.Output[str]:
    """`value`, resolved only once every wait has: the consumer depends on their resources too."""
    present = [w for w in waits if w is not None]
    return (
        pulumi.Output.all(value, *present).apply(lambda values: values[0])
        if present
        else pulumi.Output.from_input(value)
    )


class OmnichannelBinding(pulumi.ComponentResource):
    """The bot's Omnichannel binding in one environment (protected, with every child)."""

    bot_user_id: pulumi.Output[str]
    bot_user_adopted: pulumi.Output[bool]
    queue_id: pulumi.Output[str]
    workstream_id: pulumi.Output[str]
    context_variables: pulumi.Output[list]
    published_on: pulumi.Output[Optional[str]]
    warnings: pulumi.Output[list]

    def __init__(
        self, name: str, args: OmnichannelBindingArgs, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        super().__init__(
            TYPE_TOKEN, name, None, pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True))
        )
        where = {"environment_url": args.environment_url, "bot_app_id": args.bot_app_id}

        def child(*after: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, depends_on=list(after))

        user = BotApplicationUser(
            f"{name}-user",
            **where,
            display_name=args.bot_display_name,
            azure_bot_id=_after(args.azure_bot_id, args.teams_channel_id),
            bot_provider=args.bot_provider,
            capacity=args.bot_capacity,
            opts=child(),
        )
        role = RoleAssignment(
            f"{name}-role",
            **where,
            user_id=user.user_id,
            business_unit_id=user.business_unit_id,
            opts=child(),
        )
        queue = QueueMembership(
            f"{name}-queue",
            **where,
            user_id=user.user_id,
            queue=args.queue,
            capacity=user.capacity,
            opts=child(role),
        )
        workstream = WorkstreamBot(
            f"{name}-workstream", **where, user_id=user.user_id, workstream=args.workstream, opts=child(role)
        )
        context = ContextVariables(
            f"{name}-context",
            **where,
            workstream_id=workstream.workstream_id,
            variables=list(args.context_variables),
            opts=child(),
        )
        fingerprint = pulumi.Output.all(
            user.user_id, role.role_id, queue.queue_id, workstream.workstream_id, context.variables
        ).apply(binding_fingerprint)
        agent = CopilotAgent(
            f"{name}-agent",
            **where,
            schema_name=args.agent_schema_name,
            agent_name=args.agent_name,
            publish=args.publish_agent,
            binding_fingerprint=fingerprint,
            opts=child(),
        )

        self.bot_user_id = user.user_id
        self.bot_user_adopted = user.adopted
        self.queue_id = queue.queue_id
        self.workstream_id = workstream.workstream_id
        self.context_variables = context.variables
        self.published_on = agent.published_on
        # Capacity problems do not stop a deployment; they are shown on every preview and update.
        self.warnings = queue.warnings.apply(lambda found: _warn(found, queue))
        self.register_outputs(
            {
                "bot_user_id": self.bot_user_id,
                "bot_user_adopted": self.bot_user_adopted,
                "queue_id": self.queue_id,
                "workstream_id": self.workstream_id,
                "context_variables": self.context_variables,
                "published_on": self.published_on,
                "warnings": self.warnings,
            }
        )


def _warn(found: Optional[Sequence[str]], resource: pulumi.Resource) -> list[str]:
    for warning in found or ():
        pulumi.log.warn(warning, resource=resource)
    return list(found or ())
