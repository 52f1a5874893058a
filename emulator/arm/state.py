"""ARM's view of the world the Bot Service lives in: subscriptions, resource groups, role assignments, bots.

Names of subscriptions, resource groups and bots compare case-insensitively (ARM is case-insensitive);
the spelling a resource was created with is kept and shown. Bot names are global (one index across every
subscription), as the Bot Service requires.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from typing import Optional

PROVIDER = "Microsoft.BotService"
BOT_TYPE = "Microsoft.BotService/botServices"
ROLE_PERMISSIONS = {
    "owner": {"read", "write", "delete"},
    "contributor": {"read", "write", "delete"},
    "reader": {"read"},
}


def new_etag() -> str:
    return f'"{uuid.uuid4()}"'


@dataclasses.dataclass
class ResourceGroup:
    name: str
    location: str


@dataclasses.dataclass
class Subscription:
    id: str
    display_name: str
    tenant_id: str
    providers: set[str]  # registered resource provider namespaces, lower-case
    groups: dict[str, ResourceGroup]  # lower-case name -> group

    def group(self, name: str) -> Optional[ResourceGroup]:
        return self.groups.get(name.lower())

    def registered(self, namespace: str) -> bool:
        return namespace.lower() in self.providers


@dataclasses.dataclass
class RoleAssignment:
    """A role on a scope for a principal: its service principal object id, or (fixture shorthand) its app
    id."""

    scope: str
    role: str
    principal_id: str = ""
    app_id: str = ""

    def grants(self, permission: str, scope: str, app_id: str, object_id: str) -> bool:
        own = self.scope.rstrip("/").lower()
        target = scope.rstrip("/").lower()
        applies = target == own or target.startswith(own + "/")
        principal = (self.principal_id and self.principal_id == object_id.lower()) or (
            self.app_id and self.app_id == app_id.lower()
        )
        return bool(applies and principal and permission in ROLE_PERMISSIONS.get(self.role.lower(), set()))


@dataclasses.dataclass
class Channel:
    name: str  # canonical spelling, e.g. MsTeamsChannel
    location: str
    properties: Optional[dict]  # the channel's inner properties; None for channels without any (Omnichannel)
    etag: str = dataclasses.field(default_factory=new_etag)

    @property
    def enabled(self) -> bool:
        return not self.properties or self.properties.get("isEnabled", True) is not False


@dataclasses.dataclass
class Bot:
    subscription_id: str
    group: str
    name: str
    location: str
    kind: str
    sku: str
    tags: dict
    properties: dict  # writable properties only; read-only ones are computed when shown
    etag: str = dataclasses.field(default_factory=new_etag)
    channels: dict[str, Channel] = dataclasses.field(default_factory=dict)  # lower-case name -> channel

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.group}/providers/"
            f"{BOT_TYPE}/{self.name}"
        )

    def in_scope(self, subscription_id: str, group: str) -> bool:
        return self.subscription_id.lower() == subscription_id.lower() and self.group.lower() == group.lower()


class ArmState:
    """Thread-safe: every compound change runs under `lock`."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.subscriptions: dict[str, Subscription] = {}
        self.assignments: list[RoleAssignment] = []
        self.bots: dict[str, Bot] = {}  # lower-case name -> bot (the global name index)

    def clear(self) -> None:
        with self.lock:
            self.subscriptions.clear()
            self.assignments.clear()
            self.bots.clear()

    def subscription(self, subscription_id: str) -> Optional[Subscription]:
        with self.lock:
            return self.subscriptions.get(subscription_id.lower())

    def allowed(self, permission: str, scope: str, app_id: str, object_id: str) -> bool:
        with self.lock:
            return any(a.grants(permission, scope, app_id, object_id) for a in self.assignments)

    def bot(self, subscription_id: str, group: str, name: str) -> Optional[Bot]:
        with self.lock:
            bot = self.bots.get(name.lower())
            return bot if bot is not None and bot.in_scope(subscription_id, group) else None

    def bot_with_app_id(self, msa_app_id: str) -> Optional[Bot]:
        with self.lock:
            return next(
                (
                    b
                    for b in self.bots.values()
                    if str(b.properties.get("msaAppId", "")).lower() == msa_app_id.lower()
                ),
                None,
            )

    def bots_in(self, subscription_id: str, group: str) -> list[Bot]:
        with self.lock:
            return [b for b in self.bots.values() if b.in_scope(subscription_id, group)]

    def dump(self) -> dict:
        with self.lock:
            return {
                "subscriptions": [
                    {
                        "subscriptionId": s.id,
                        "displayName": s.display_name,
                        "tenantId": s.tenant_id,
                        "registeredProviders": sorted(s.providers),
                        "resourceGroups": [
                            {"name": g.name, "location": g.location} for g in s.groups.values()
                        ],
                    }
                    for s in self.subscriptions.values()
                ],
                "roleAssignments": [dataclasses.asdict(a) for a in self.assignments],
                "botServices": [
                    {
                        "id": b.id,
                        "name": b.name,
                        "location": b.location,
                        "kind": b.kind,
                        "sku": b.sku,
                        "tags": dict(b.tags),
                        "properties": dict(b.properties),
                        "channels": {c.name: c.properties for c in b.channels.values()},
                    }
                    for b in self.bots.values()
                ],
            }
