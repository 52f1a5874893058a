"""Request bodies of creates and updates: columns, `<nav>@odata.bind` lookups, and `<nav>: null` clears.

The result maps logical attribute names to checked values. Read-only columns (createdon, publishedon, …)
are ignored as the service ignores them; create-only columns are ignored on update [I]. A property the
table does not have, or a `_x_value` property, answers the "Invalid property" 400 [D: client errors doc];
a bind through a name that is no navigation property answers 0x80048d19 [D].
"""

from __future__ import annotations

from typing import Any

from .. import errors
from ..odata.path import parse_reference
from .schema import Column, Table
from .store import Environment, check_value


def parse_payload(env: Environment, table: Table, body: Any, *, creating: bool) -> dict:
    if not isinstance(body, dict):
        raise errors.bad_body("the request body must be a JSON object.")
    values: dict[str, Any] = {}
    for key, value in body.items():
        if key.startswith("@"):
            continue  # @odata.type and other instance annotations
        if key.endswith("@odata.bind"):
            navigation = key[: -len("@odata.bind")]
            lookup = table.lookup_by_nav(navigation)
            if lookup is None:
                raise errors.undeclared_bind(navigation, table.entity_set)
            if lookup.read_only:
                continue
            values[lookup.attribute] = None if value is None else _bound_id(env, table, lookup.target, value)
            continue
        if "@" in key:
            continue  # property annotations such as name@OData.Community.Display.V1.FormattedValue
        lookup = table.lookup_by_nav(key)
        if lookup is not None:
            if value is not None:
                raise errors.bad_body(
                    f"set the lookup '{key}' with '{key}@odata.bind' (deep insert is not emulated)."
                )
            values[lookup.attribute] = None
            continue
        if key == table.primary_key:
            if creating:
                values[key] = check_value(table, Column(key, "guid"), value)
            continue
        column = table.column(key)
        if column is None:
            raise errors.invalid_body_property(key, table.type_name)
        if column.read_only or (column.create_only and not creating):
            continue
        values[key] = check_value(table, column, value)
    return values


def _bound_id(env: Environment, table: Table, target_name: str, reference: Any) -> str:
    entity_set, record_id = parse_reference(reference)
    target = env.schema.table(target_name)
    if entity_set != target.entity_set:
        raise errors.bad_body(
            f"the reference '{reference}' points into '{entity_set}', but the lookup of "
            f"'{table.entity_set}' refers to '{target.entity_set}'."
        )
    env.require(target, record_id)
    return record_id
