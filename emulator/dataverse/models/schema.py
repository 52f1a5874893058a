"""The shape of the emulated tables: columns, lookups, N:N relationships, and how a row looks on the wire.

A row is kept as a dict keyed by logical attribute names (a lookup under its attribute name, holding the
target's id). On the wire a lookup reads back as `_<attribute>_value` and is written through its
navigation property (`<nav>@odata.bind`); `to_wire` and `property_kind` are the one place that mapping lives.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

# Column kinds and the OData type names Dataverse uses in its messages.
EDM = {
    "guid": "Edm.Guid",
    "string": "Edm.String",
    "memo": "Edm.String",
    "int": "Edm.Int32",
    "picklist": "Edm.Int32",
    "bool": "Edm.Boolean",
    "datetime": "Edm.DateTimeOffset",
}
SYSTEM_COLUMNS = ("createdon", "modifiedon", "versionnumber")


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    create_only: bool = False  # IsValidForUpdate false: an update silently ignores it
    read_only: bool = False  # set by the service only; a write silently ignores it
    default: Any = None
    choices: Optional[tuple[int, ...]] = None


@dataclasses.dataclass(frozen=True)
class Lookup:
    """A many-to-one column; `navigation` is the case-sensitive single-valued navigation property."""

    attribute: str
    navigation: str
    target: str  # logical name of the referenced table
    required: bool = False
    read_only: bool = False
    cascade_delete: bool = False  # deleting the target deletes this row (otherwise the link is removed)

    @property
    def wire_name(self) -> str:
        return f"_{self.attribute}_value"


@dataclasses.dataclass(frozen=True)
class ManyToMany:
    """An N:N relationship; its schema name is the collection-valued navigation property on both sides."""

    name: str
    entity1: str
    entity2: str
    intersect_entity: str
    privilege: str  # what associating or disassociating a pair needs (table-driven, small)
    intersect_set: Optional[str] = None  # readable intersect entity set, when the service exposes one

    def other(self, logical_name: str) -> str:
        return self.entity2 if logical_name == self.entity1 else self.entity1


@dataclasses.dataclass(frozen=True)
class Table:
    logical_name: str
    entity_set: str
    primary_key: str
    primary_name: str
    display_name: str
    object_type_code: int
    privilege_name: str  # prv<Operation><privilege_name>, as Dataverse names table privileges
    columns: tuple[Column, ...]
    lookups: tuple[Lookup, ...] = ()
    solution: Optional[str] = None  # the table exists only while this solution is installed
    deletable: bool = True

    def column(self, name: str) -> Optional[Column]:
        return next((c for c in self.columns if c.name == name), None)

    def lookup_by_nav(self, navigation: str) -> Optional[Lookup]:
        return next((lk for lk in self.lookups if lk.navigation == navigation), None)

    def lookup_by_wire(self, wire_name: str) -> Optional[Lookup]:
        return next((lk for lk in self.lookups if lk.wire_name == wire_name), None)

    def property_kind(self, name: str) -> Optional[str]:
        """The kind of a structural property as the Web API exposes it, or None if there is none."""
        if name == self.primary_key:
            return "guid"
        column = self.column(name)
        if column is not None:
            return column.kind
        return "guid" if self.lookup_by_wire(name) else None

    def wire_properties(self) -> list[str]:
        return [self.primary_key] + [c.name for c in self.columns] + [lk.wire_name for lk in self.lookups]

    def to_wire(self, row: dict) -> dict:
        """The row as the Web API shows it (no annotations)."""
        wire = {self.primary_key: row[self.primary_key]}
        for column in self.columns:
            wire[column.name] = row.get(column.name)
        for lookup in self.lookups:
            wire[lookup.wire_name] = row.get(lookup.attribute)
        return wire

    @property
    def type_name(self) -> str:
        return f"Microsoft.Dynamics.CRM.{self.logical_name}"


class Schema:
    """All tables and N:N relationships of an environment, looked up by logical name or entity set."""

    def __init__(self, tables: tuple[Table, ...], relationships: tuple[ManyToMany, ...]) -> None:
        self.tables = {t.logical_name: t for t in tables}
        self.by_set = {t.entity_set: t for t in tables}
        self.relationships = {r.name: r for r in relationships}
        self.intersects = {r.intersect_set: r for r in relationships if r.intersect_set}

    def table(self, logical_name: str) -> Table:
        return self.tables[logical_name]

    def collection_nav(self, table: Table, navigation: str) -> Optional[ManyToMany]:
        relationship = self.relationships.get(navigation)
        if relationship and table.logical_name in (relationship.entity1, relationship.entity2):
            return relationship
        return None

    def navigation_target(self, table: Table, navigation: str) -> Optional[tuple[Table, bool]]:
        """(target table, is_collection) of a navigation property, or None."""
        lookup = table.lookup_by_nav(navigation)
        if lookup is not None:
            return self.tables[lookup.target], False
        relationship = self.collection_nav(table, navigation)
        if relationship is not None:
            return self.tables[relationship.other(table.logical_name)], True
        return None
