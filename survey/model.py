"""The records of a survey: frozen, JSON-ready (`Survey.to_json`), one dataclass per section row.

Each section has a natural key (`NATURAL_KEYS`): the columns a person finds the record by on screen, which
is what `--diff` matches records of two surveys on.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional


@dataclasses.dataclass(frozen=True)
class AgentRow:
    schema_name: str
    name: str
    name_length: int
    status: Optional[int]
    provisioned: bool
    published: bool
    published_on: Optional[str]
    unpublished_changes: bool
    last_publish_status: Optional[str]
    # App IDs of the Copilot Studio bot users named as the agent is: the user Connect made, if Connect names
    # it after the agent as the emulator models it [I] (docs/live.md settles it)
    bot_user_app_ids: tuple[str, ...]
    id: str


@dataclasses.dataclass(frozen=True)
class BotUserRow:
    app_id: Optional[str]
    name: str
    kind: str  # "bot application user" or the agent type number
    provider: str  # copilotStudio | other | none | the number
    capacity: Optional[int]
    business_unit_id: Optional[str]
    in_root_business_unit: bool
    roles: tuple[str, ...]
    enabled: bool
    soft_deleted: bool
    id: str


@dataclasses.dataclass(frozen=True)
class QueueRow:
    name: str
    bot_members: tuple[str, ...]  # "<name> (capacity <n>)"
    highest_human_capacity: Optional[int]
    members: int
    id: str


@dataclasses.dataclass(frozen=True)
class WorkstreamRow:
    name: str
    push: bool
    bot_user_id: Optional[str]
    bot_user_name: Optional[str]
    id: str


@dataclasses.dataclass(frozen=True)
class ContextVariableRow:
    workstream: str
    name: str
    data_type: str
    id: str


@dataclasses.dataclass(frozen=True)
class SolutionRow:
    unique_name: str
    friendly_name: str
    version: Optional[str]
    managed: bool
    why: str  # which list of components/clients/preflight.py it is on


@dataclasses.dataclass(frozen=True)
class ChannelRow:
    bot: str
    channel: str
    exists: bool
    enabled: bool
    provisioning_state: Optional[str]


@dataclasses.dataclass(frozen=True)
class ResourceRow:
    """One of a stack's resources and whether it already exists (taking over an existing setup)."""

    resource: str
    key: str  # the natural key it is found by
    exists: bool
    detail: str


SECTIONS = {
    "agents": AgentRow,
    "botUsers": BotUserRow,
    "queues": QueueRow,
    "workstreams": WorkstreamRow,
    "contextVariables": ContextVariableRow,
    "solutions": SolutionRow,
    "channels": ChannelRow,
    "stackResources": ResourceRow,
}
NATURAL_KEYS = {
    "agents": ("schema_name",),
    "botUsers": ("app_id", "soft_deleted", "id"),
    "queues": ("name",),
    "workstreams": ("name",),
    "contextVariables": ("workstream", "name"),
    "solutions": ("unique_name",),
    "channels": ("bot", "channel"),
    "stackResources": ("resource",),
}
FORMAT_VERSION = 1


@dataclasses.dataclass(frozen=True)
class Survey:
    environment_url: str
    stack: Optional[str]
    sections: dict[str, tuple[Any, ...]]
    notes: tuple[str, ...] = ()  # what could not be read, and why

    def to_json(self) -> dict:
        return {
            "formatVersion": FORMAT_VERSION,
            "environmentUrl": self.environment_url,
            "stack": self.stack,
            "notes": list(self.notes),
            "sections": {
                name: [_plain(dataclasses.asdict(row)) for row in rows]
                for name, rows in self.sections.items()
            },
        }


def _plain(row: dict) -> dict:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in row.items()}
