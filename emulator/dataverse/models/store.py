"""One Dataverse environment's data: rows per table, N:N links, row versions. Thread-safe through `lock`.

Callers hold `env.lock` for a whole operation (check, then write) so concurrent requests never see or make
half-done changes. Rows are dicts keyed by logical attribute names (see schema.py). Every write bumps the
environment-wide version counter: `versionnumber` and the ETag `W/"<versionnumber>"` come from it, as
Dataverse's row version does.
"""

from __future__ import annotations

import datetime
import threading
import uuid
from typing import Any, Optional

from .. import errors
from .schema import EDM, Column, ManyToMany, Schema, Table

FIRST_VERSION = 1_000_000


def iso(timestamp: float) -> str:
    """Dataverse's UTC date-time form, whole seconds: `2024-05-01T10:00:00Z`."""
    moment = datetime.datetime.fromtimestamp(int(timestamp), datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def check_value(table: Table, column: Column, value: Any) -> Any:
    """The value as stored, or DataverseError (400) when it does not fit the column."""
    if value is None:
        return None
    kind = column.kind
    if kind == "guid":
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            raise errors.bad_value(column.name, value, "Edm.Guid") from None
    if kind in ("string", "memo", "datetime") and isinstance(value, str):
        if kind == "datetime":
            try:
                return iso(parse_iso(value))
            except ValueError:
                raise errors.bad_value(column.name, value, "Edm.DateTimeOffset") from None
        return value
    if kind in ("int", "picklist") and isinstance(value, int) and not isinstance(value, bool):
        if column.choices is not None and value not in column.choices:
            raise errors.value_out_of_range(column.name, table.logical_name, value, column.choices)
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    raise errors.bad_value(column.name, value, EDM[kind])


class Environment:
    """The state of one environment (one org URL)."""

    def __init__(self, url: str, tenant_id: str, organization_id: str, schema: Schema, clock) -> None:
        self.url = url
        self.tenant_id = tenant_id
        self.organization_id = organization_id
        self.schema = schema
        self.lock = threading.RLock()
        self._clock = clock
        self._rows: dict[str, dict[str, dict]] = {name: {} for name in schema.tables}
        self._links: dict[str, set[tuple[str, str]]] = {name: set() for name in schema.relationships}
        self._version = FIRST_VERSION
        # bot id -> its PvaPublish job still running (publishDelayReads > 0; models/api.py finishes it)
        self.publishing: dict[str, Any] = {}

    # --- reading ----------------------------------------------------------------------------------------
    def now(self) -> str:
        return iso(self._clock.now())

    def get(self, logical_name: str, record_id: str) -> Optional[dict]:
        return self._rows[logical_name].get(record_id)

    def require(self, table: Table, record_id: str) -> dict:
        row = self.get(table.logical_name, record_id)
        if row is None:
            raise errors.object_does_not_exist(table.logical_name, record_id)
        return row

    def rows(self, logical_name: str) -> list[dict]:
        return list(self._rows[logical_name].values())

    def installed(self, unique_name: str) -> bool:
        wanted = unique_name.casefold()
        return any((s.get("uniquename") or "").casefold() == wanted for s in self.rows("solution"))

    def available(self, table: Table) -> bool:
        """Tables of a solution exist only while it is installed (their entity set is unknown otherwise)."""
        return table.solution is None or self.installed(table.solution)

    def linked(self, relationship: ManyToMany, first: str, second: str) -> bool:
        return (first, second) in self._links[relationship.name]

    def related_ids(self, relationship: ManyToMany, logical_name: str, record_id: str) -> list[str]:
        links = self._links[relationship.name]
        if logical_name == relationship.entity1:
            return sorted(b for a, b in links if a == record_id)
        return sorted(a for a, b in links if b == record_id)

    # --- writing ----------------------------------------------------------------------------------------
    def _stamp(self, row: dict, when: Optional[str] = None) -> None:
        self._version += 1
        row["versionnumber"] = self._version
        row["modifiedon"] = when or self.now()

    def insert(self, table: Table, values: dict, record_id: Optional[str] = None) -> dict:
        """A new row from checked values (attribute names); defaults and system columns are filled in."""
        row: dict[str, Any] = {table.primary_key: record_id or str(uuid.uuid4())}
        if row[table.primary_key] in self._rows[table.logical_name]:
            raise errors.duplicate_record()
        for column in table.columns:
            row[column.name] = values.get(column.name, column.default)
        for lookup in table.lookups:
            row[lookup.attribute] = values.get(lookup.attribute)
        self._check_required(table, row)
        self._stamp(row, values.get("modifiedon"))
        row["createdon"] = values.get("createdon") or row["modifiedon"]
        self._rows[table.logical_name][row[table.primary_key]] = row
        return row

    def update(self, table: Table, row: dict, values: dict, when: Optional[str] = None) -> dict:
        candidate = dict(row)
        candidate.update(values)
        self._check_required(table, candidate)
        row.update(values)
        self._stamp(row, when)
        return row

    def touch(self, row: dict, when: str) -> None:
        """A change made by the service itself (e.g. a component edit bumping its bot's modifiedon)."""
        self._stamp(row, when)

    def delete(self, table: Table, record_id: str) -> None:
        del self._rows[table.logical_name][record_id]
        for name, links in self._links.items():
            relationship = self.schema.relationships[name]
            if table.logical_name in (relationship.entity1, relationship.entity2):
                self._links[name] = {(a, b) for a, b in links if record_id not in (a, b)}
        for other in self.schema.tables.values():
            for lookup in other.lookups:
                if lookup.target != table.logical_name:
                    continue
                children = [r for r in self.rows(other.logical_name) if r.get(lookup.attribute) == record_id]
                for child in children:
                    if lookup.cascade_delete:
                        self.delete(other, child[other.primary_key])
                    else:
                        child[lookup.attribute] = None
                        self._stamp(child)

    def link(self, relationship: ManyToMany, first: str, second: str) -> None:
        if (first, second) in self._links[relationship.name]:
            raise errors.duplicate_association()
        self._links[relationship.name].add((first, second))

    def unlink(self, relationship: ManyToMany, first: str, second: str) -> None:
        # Disassociating a pair that is not associated succeeds in Dataverse too [I].
        self._links[relationship.name].discard((first, second))

    def _check_required(self, table: Table, row: dict) -> None:
        for column in table.columns:
            if column.required and row.get(column.name) is None:
                raise errors.required_field_missing(column.name, table.logical_name)
        for lookup in table.lookups:
            if lookup.required and row.get(lookup.attribute) is None:
                raise errors.required_field_missing(lookup.attribute, table.logical_name)

    # --- fixtures and dumps -----------------------------------------------------------------------------
    def dump(self) -> dict:
        tables = {}
        for table in self.schema.tables.values():
            rows = sorted(self.rows(table.logical_name), key=lambda r: r["createdon"] + r[table.primary_key])
            tables[table.entity_set] = [table.to_wire(r) for r in rows]
        return {
            "url": self.url,
            "tenantId": self.tenant_id,
            "organizationId": self.organization_id,
            "tables": tables,
            "associations": {name: sorted([a, b] for a, b in links) for name, links in self._links.items()},
        }
