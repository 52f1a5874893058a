"""One survey of one target: signs in as the providers do (the deployer's ARM_*/AZURE_* credentials through
the product's clients) and reads every section, GET requests only."""

from __future__ import annotations

from typing import Any, Optional

from components.clients.arm import ArmBotReader
from components.clients.dataverse import DataverseClient
from components.clients.graph import GraphReader

from . import azure, read, takeover
from .model import Survey
from .target import Target, trusting


def survey(target: Target, **options: Any) -> Survey:
    """`options` go to the clients' `connect` (environ, sleeper: tests pass them)."""
    with trusting(target.ca_path):
        client = DataverseClient.connect(target.config, target.environment_url, **options)
        root = client.root_business_unit()
        found_workstreams, workstream_rows = read.workstreams(client)
        users = read.bot_users(client, root.id)
        sections: dict[str, tuple] = {
            "agents": read.agents(client, users),
            "botUsers": users,
            "queues": read.queues(client),
            "workstreams": workstream_rows,
            "contextVariables": read.context_variables(client, found_workstreams),
            "solutions": read.solutions(client),
        }
        settings = target.settings
        side: Optional[azure.AzureSide] = None
        if settings is not None and settings.bot is not None:
            arm = ArmBotReader.connect(target.config, **options)
            graph = GraphReader.connect(target.config, **options)
            side = azure.read(settings, arm, graph)
            sections["channels"] = side.channels
        if settings is not None:
            sections["stackResources"] = takeover.stack_resources(settings, client, side)
    notes = ()
    if side is not None and side.bot is None:
        notes = (f"the stack's Azure Bot {side.bot_resource_id} does not exist (yet)",)
    return Survey(target.environment_url, target.stack, sections, notes)
