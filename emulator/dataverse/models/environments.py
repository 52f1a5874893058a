"""The seeded Dataverse environments, keyed by URL (the token audience picks one), and fixture loading.

Fixture section (emulator/README.md, "Dataverse"):

    {"dataverse": {"environments": [{"url": "https://org.crm.dynamics.com", "tenantId": "…",
        "organizationId": "…", "tables": {"<entity set>": [{<row in wire names>}]},
        "associations": {"<N:N relationship>": [["<entity1 id>", "<entity2 id>"]]}}]}}

Rows use the names the Web API reads back (lookups as `_<attribute>_value`) and may set read-only columns
(`publishedon`, `createdon`, `modifiedon`). Seeding an existing environment merges: a row whose id exists is
updated, others are added. Mistakes (unknown set or column, dangling lookup, duplicate App ID) raise
ValueError so a broken fixture fails loudly.
"""

from __future__ import annotations

import threading
import uuid
from typing import Optional

from ..errors import DataverseError
from . import rules
from .schema import Schema, Table
from .store import Environment, check_value
from .tables import default_schema


def normalise_url(url: str) -> str:
    return url.strip().rstrip("/").lower()


class EnvironmentRegistry:
    def __init__(self, clock) -> None:
        self._clock = clock
        self._schema: Schema = default_schema()
        self._environments: dict[str, Environment] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._environments.clear()

    def by_audience(self, audience: str) -> Optional[Environment]:
        with self._lock:
            return self._environments.get(normalise_url(audience or ""))

    def urls(self) -> list[str]:
        with self._lock:
            return [env.url for env in self._environments.values()]

    def first(self) -> Optional[Environment]:
        with self._lock:
            return next(iter(self._environments.values()), None)

    def dump(self) -> dict:
        with self._lock:
            environments = list(self._environments.values())
        dumped = []
        for env in environments:
            with env.lock:
                dumped.append(env.dump())
        return {"environments": dumped}

    # --- seeding ----------------------------------------------------------------------------------------
    def seed(self, section: dict) -> None:
        for spec in section.get("environments", []):
            env = self._environment(spec)
            with env.lock:
                try:
                    self._seed_tables(env, spec.get("tables", {}))
                    self._seed_associations(env, spec.get("associations", {}))
                    self._check_lookups(env)
                except DataverseError as exc:
                    raise ValueError(f"dataverse fixture for {env.url}: {exc.message}") from None

    def _environment(self, spec: dict) -> Environment:
        if not spec.get("url"):
            raise ValueError("every dataverse environment in a fixture needs a 'url'")
        key = normalise_url(spec["url"])
        with self._lock:
            env = self._environments.get(key)
            if env is None:
                if not spec.get("tenantId"):
                    raise ValueError(f"dataverse environment {spec['url']} needs a 'tenantId'")
                organization_id = spec.get("organizationId") or str(uuid.uuid5(uuid.NAMESPACE_URL, key))
                env = Environment(
                    spec["url"].rstrip("/"),
                    str(uuid.UUID(spec["tenantId"])),
                    str(uuid.UUID(organization_id)),
                    self._schema,
                    self._clock,
                )
                self._environments[key] = env
            return env

    def _seed_tables(self, env: Environment, tables: dict) -> None:
        unknown = set(tables) - set(self._schema.by_set)
        if unknown:
            raise ValueError(f"unknown dataverse entity sets in fixture: {sorted(unknown)}")
        for table in self._schema.tables.values():  # schema order: referenced tables first
            for spec in tables.get(table.entity_set, []):
                values, record_id = self._values(table, spec)
                existing = env.get(table.logical_name, record_id) if record_id else None
                rules.before_write(env, table, values, existing)
                if existing is None:
                    env.insert(table, values, record_id)
                else:
                    env.update(table, existing, values)

    @staticmethod
    def _values(table: Table, spec: dict) -> tuple[dict, Optional[str]]:
        values = {}
        for key, value in spec.items():
            if key == table.primary_key:
                continue
            lookup = table.lookup_by_wire(key)
            column = table.column(key)
            if lookup is not None:
                values[lookup.attribute] = None if value is None else str(uuid.UUID(value))
            elif column is not None:
                values[key] = check_value(table, column, value)
            else:
                raise ValueError(
                    f"unknown column '{key}' in a fixture row of {table.entity_set}; known: "
                    f"{sorted(table.wire_properties())}"
                )
        record_id = spec.get(table.primary_key)
        return values, str(uuid.UUID(record_id)) if record_id else None

    def _seed_associations(self, env: Environment, associations: dict) -> None:
        for name, pairs in associations.items():
            relationship = self._schema.relationships.get(name)
            if relationship is None:
                raise ValueError(
                    f"unknown N:N relationship '{name}'; known: {sorted(self._schema.relationships)}"
                )
            first = self._schema.table(relationship.entity1)
            second = self._schema.table(relationship.entity2)
            for a, b in pairs:
                row_a, row_b = env.require(first, str(uuid.UUID(a))), env.require(second, str(uuid.UUID(b)))
                if not env.linked(relationship, row_a[first.primary_key], row_b[second.primary_key]):
                    rules.before_associate(env, relationship, row_a, row_b)
                    env.link(relationship, row_a[first.primary_key], row_b[second.primary_key])

    def _check_lookups(self, env: Environment) -> None:
        for table in self._schema.tables.values():
            for row in env.rows(table.logical_name):
                for lookup in table.lookups:
                    target = row.get(lookup.attribute)
                    if target and env.get(lookup.target, target) is None:
                        raise ValueError(
                            f"{table.entity_set} row {row[table.primary_key]} refers through "
                            f"{lookup.wire_name} to a missing {lookup.target} {target}"
                        )
