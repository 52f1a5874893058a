"""OmnichannelBinding (`handoff:omnichannel:OmnichannelBinding`): the bot's connection to Omnichannel in one
Dataverse environment, as the portal's "configure bot" steps make it, declared once and never removed.

Children, in dependency order (each waits for what it uses; the wiring is `components.binding_plan`):
  `<name>-user`        ConnectedAgentUser  a Copilot Studio agent's bot user, verified (Connect made it), or
                       BotApplicationUser  an Azure bot's application user (created, or adopted if one exists)
  `<name>-role`        RoleAssignment      the Omnichannel agent role, in the user's (root) business unit
  `<name>-queue`       QueueMembership     the bot in its Omnichannel messaging queue (after the role)
  `<name>-workstream`  WorkstreamBot       the bot as the push workstream's bot (after the role)
  `<name>-context`     ContextVariables    the workstream's context variables
  `<name>-agent`       CopilotAgent        the agent checked and, when asked, published after the binding
                                           (a Copilot Studio agent's binding only)

The component is registered with `protect=True`, which every child inherits: removing the binding from the
program, `pulumi destroy` or a replacement fails in the engine; the providers' delete refuses too unless
`handoff:allowBindingRemoval` is true (docs/binding.md, "Removing a binding").

An Azure bot's user preflight checks the Azure Bot's Omnichannel channel, so its `azureBotId` input also
waits for the channel resource (`omnichannel_channel_id`): on a first deploy the channel exists before the
check runs.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional, Sequence

import pulumi

from components import names
from components.binding_plan import (
    OmnichannelBindingArgs,
    Ref,
    binding_fingerprint,
    plan,
)
from components.dynamic.specs import attribute

TYPE_TOKEN = names.BINDING_COMPONENT
__all__ = ["OmnichannelBinding", "OmnichannelBindingArgs", "TYPE_TOKEN"]


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

    bot_app_id: pulumi.Output[str]
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
        # An Azure bot user's preflight reads the Azure Bot's channels: it waits for the channel resource too.
        values = (
            args
            if args.azure_bot_id is None
            else dataclasses.replace(
                args, azure_bot_id=_after(args.azure_bot_id, args.omnichannel_channel_id)
            )
        )
        children: dict[str, pulumi.Resource] = {}

        def output(ref: Ref) -> pulumi.Output:
            return getattr(children[ref.role], attribute(ref.key))

        def fingerprint(parts: list) -> pulumi.Output[str]:
            return pulumi.Output.all(*parts).apply(binding_fingerprint)

        for step in plan(values):
            children[step.role] = step.resource(
                f"{name}-{step.role}",
                **step.resolved(output, fingerprint),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[children[r] for r in step.after]),
            )
        user, queue, workstream = children["user"], children["queue"], children["workstream"]
        context, agent = children["context"], children.get("agent")

        self.bot_app_id = user.bot_app_id
        self.bot_user_id = user.user_id
        self.bot_user_adopted = user.adopted
        self.queue_id = queue.queue_id
        self.workstream_id = workstream.workstream_id
        self.context_variables = context.variables
        self.published_on = agent.published_on if agent is not None else pulumi.Output.from_input(None)
        # Capacity problems do not stop a deployment; they are shown on every preview and update.
        self.warnings = queue.warnings.apply(lambda found: _warn(found, queue))
        self.register_outputs(
            {
                "bot_app_id": self.bot_app_id,
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
