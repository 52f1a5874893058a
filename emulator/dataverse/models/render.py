"""A row as the Web API returns it: `@odata.etag` first, the selected properties (the primary key always),
and, when `Prefer: odata.include-annotations` asks, the lookup annotations Dataverse adds
(`…@Microsoft.Dynamics.CRM.lookuplogicalname`, `…associatednavigationproperty`, and the
`…@OData.Community.Display.V1.FormattedValue` of a lookup: the target's primary name).
"""

from __future__ import annotations

from typing import Callable

from .schema import Table
from .store import Environment

FORMATTED = "OData.Community.Display.V1.FormattedValue"
LOGICAL_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
NAVIGATION = "Microsoft.Dynamics.CRM.associatednavigationproperty"


def etag(row: dict) -> str:
    return f'W/"{row["versionnumber"]}"'


def render_row(
    env: Environment, table: Table, row: dict, select: tuple[str, ...], wants: Callable[[str], bool]
) -> dict:
    wire = table.to_wire(row)
    names = [table.primary_key] + [n for n in select if n != table.primary_key] if select else list(wire)
    record: dict = {"@odata.etag": etag(row)}
    for name in names:
        record[name] = wire.get(name)
        lookup = table.lookup_by_wire(name)
        if lookup is None or wire.get(name) is None:
            continue
        target = env.schema.table(lookup.target)
        if wants(FORMATTED):
            referenced = env.get(target.logical_name, wire[name]) or {}
            record[f"{name}@{FORMATTED}"] = referenced.get(target.primary_name)
        if wants(NAVIGATION):
            record[f"{name}@{NAVIGATION}"] = lookup.navigation
        if wants(LOGICAL_NAME):
            record[f"{name}@{LOGICAL_NAME}"] = lookup.target
    return record
