"""What a caller may do: the union of the privileges of its security roles (table-driven, deliberately small).

Privileges are named as Dataverse names them, `prv<Create|Read|Write|Delete><table privilege name>`
(`prvCreateUser`, `prvWritemsdyn_liveworkstream`), plus `prvAssignRole` for role assignment and
`prvAppendToQueue` for queue membership [I: which privilege the real platform checks for an associate].
Depth (user, business unit, organization) is not modelled: a privilege holds everywhere. Role names are the
out-of-the-box ones; a role with another name grants nothing. Omnichannel writes need System Administrator
or Omnichannel administrator, as the Customer Service docs require for bot configuration [D: PVA21].
"""

from __future__ import annotations

import uuid
from typing import Iterable

from .. import errors
from .schema import Table
from .tables import (
    BOT,
    BOT_COMPONENT,
    BUSINESS_UNIT,
    CONTEXT_VARIABLE,
    QUEUE,
    ROLE,
    SOLUTION,
    SYSTEM_USER,
    WORKSTREAM,
)

ALL = "*"
OPERATIONS = ("Create", "Read", "Write", "Delete")


def prv(operation: str, table: Table) -> str:
    return f"prv{operation}{table.privilege_name}"


def _full(*tables: Table) -> set[str]:
    return {prv(op, t) for t in tables for op in OPERATIONS}


def _read(*tables: Table) -> set[str]:
    return {prv("Read", t) for t in tables}


CORE_READ = _read(BUSINESS_UNIT, ROLE, SYSTEM_USER, SOLUTION)
OMNICHANNEL = (QUEUE, WORKSTREAM, CONTEXT_VARIABLE)
ROLE_PRIVILEGES: dict[str, frozenset[str]] = {
    "System Administrator": frozenset({ALL}),
    "Basic User": frozenset(CORE_READ | _read(QUEUE)),
    "Omnichannel administrator": frozenset(
        CORE_READ | _full(*OMNICHANNEL) | _read(BOT) | {"prvAppendToQueue"}
    ),
    "Omnichannel supervisor": frozenset(CORE_READ | _read(*OMNICHANNEL, BOT)),
    "Omnichannel agent": frozenset(CORE_READ | _read(*OMNICHANNEL)),
    # Copilot Studio makers [I: the "Bot Author" role's exact privileges are not documented here]
    "Bot Author": frozenset(CORE_READ | _full(BOT, BOT_COMPONENT)),
}
# The table a relationship privilege is reported against, as a privilege error names an entity.
PRIVILEGE_TABLE = {"prvAssignRole": ROLE, "prvAppendToQueue": QUEUE}


def privilege_id(name: str) -> str:
    """A stable id per privilege name (real ids are per environment; only their form matters here)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dataverse-privilege:{name}"))


class PrivilegeSet:
    """The privileges of one caller."""

    def __init__(self, role_names: Iterable[str]) -> None:
        self.role_names = tuple(role_names)
        granted: set[str] = set()
        for name in self.role_names:
            granted |= ROLE_PRIVILEGES.get(name, frozenset())
        self.granted = frozenset(granted)

    def allows(self, privilege: str) -> bool:
        return ALL in self.granted or privilege in self.granted

    def require(self, privilege: str, table: Table, user: dict) -> None:
        if self.allows(privilege):
            return
        raise errors.privilege_denied(
            user_id=user["systemuserid"],
            role_count=len(self.role_names),
            privilege_count=len(self.granted),
            object_id=user.get("azureactivedirectoryobjectid") or "00000000-0000-0000-0000-000000000000",
            business_unit=user.get("businessunitid") or "",
            privilege=privilege,
            privilege_id=privilege_id(privilege),
            otc=table.object_type_code,
            logical_name=table.logical_name,
            display_name=table.display_name,
        )
