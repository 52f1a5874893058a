"""System query options: `$select`, `$filter`, `$orderby`, `$top`, `$count`, `$expand` (with nested
`$select;$filter;$orderby;$top`) and the paging `$skiptoken`, validated against the table they apply to.

The skip token is opaque to clients; it looks like the real one (`<cookie pagenumber="2" … />`) and only
its page number matters here.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Callable, Mapping, Optional

from .. import errors
from ..models.schema import Schema, Table
from .filter import Predicate, parse_filter

SUPPORTED = ("$select", "$filter", "$orderby", "$top", "$count", "$expand", "$skiptoken")
_PAGE = re.compile(r'pagenumber="(\d+)"')


@dataclasses.dataclass(frozen=True)
class Expand:
    navigation: str
    target: Table
    is_collection: bool
    options: "QueryOptions"


@dataclasses.dataclass(frozen=True)
class QueryOptions:
    table: Table
    select: tuple[str, ...] = ()
    where: Optional[Predicate] = None
    orderby: tuple[tuple[str, bool], ...] = ()  # (property, descending)
    top: Optional[int] = None
    count: bool = False
    expand: tuple[Expand, ...] = ()
    page: int = 1

    @property
    def select_clause(self) -> str:
        return ",".join(self.select)


def skiptoken(page: int) -> str:
    return f'<cookie pagenumber="{page}" pagingcookie="" istracking="False" />'


def _split_top_level(text: str, separator: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _properties(text: str, table: Table) -> tuple[str, ...]:
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    for name in names:
        if table.property_kind(name) is None:
            raise errors.property_not_found(name, table.type_name)
    return names


def _orderby(text: str, table: Table) -> tuple[tuple[str, bool], ...]:
    items = []
    for part in _split_top_level(text, ","):
        words = part.split()
        if len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise errors.bad_query(f"Syntax error in $orderby '{text}'.")
        _properties(words[0], table)
        items.append((words[0], len(words) == 2 and words[1] == "desc"))
    return tuple(items)


def _top(text: str) -> int:
    if not text.isdigit():
        raise errors.bad_query(
            f"Invalid value '{text}' for $top query option found. The $top query option "
            "requires a non-negative integer value."
        )
    return int(text)


def _expand(text: str, table: Table, schema: Schema) -> tuple[Expand, ...]:
    items = []
    for part in _split_top_level(text, ","):
        match = re.fullmatch(r"([A-Za-z_]\w*)\s*(?:\((.*)\))?", part, re.DOTALL)
        if not match:
            raise errors.bad_query(f"Syntax error in $expand '{text}'.")
        navigation, nested = match.group(1), match.group(2) or ""
        target = schema.navigation_target(table, navigation)
        if target is None:
            raise errors.property_not_found(navigation, table.type_name)
        options = {}
        for option in _split_top_level(nested, ";"):
            name, _, value = option.partition("=")
            options[name.strip()] = value.strip()
        allowed = ("$select", "$filter", "$orderby", "$top") if target[1] else ("$select",)
        unknown = [o for o in options if o not in allowed]
        if unknown:
            raise errors.bad_query(
                f"The query option '{unknown[0]}' is not supported inside $expand of '{navigation}'."
            )
        items.append(Expand(navigation, target[0], target[1], parse_options(options, target[0], schema)))
    return tuple(items)


def parse_options(args: Mapping[str, str], table: Table, schema: Schema) -> QueryOptions:
    """Options from `args` (query string names to values) for `table`; raises DataverseError on bad input."""
    for name in args:
        if name.startswith("$") and name not in SUPPORTED:
            raise errors.bad_query(f"The query parameter '{name}' is not supported.")
    page = 1
    if args.get("$skiptoken"):
        found = _PAGE.search(args["$skiptoken"])
        if not found:
            raise errors.bad_query(
                "The $skiptoken value is not valid. Follow @odata.nextLink without editing it."
            )
        page = int(found.group(1))
    count = args.get("$count", "false")
    if count not in ("true", "false"):
        raise errors.bad_query(f"Invalid value '{count}' for $count query option found.")
    return QueryOptions(
        table=table,
        select=_properties(args["$select"], table) if args.get("$select") else (),
        where=parse_filter(args["$filter"], table) if args.get("$filter") else None,
        orderby=_orderby(args["$orderby"], table) if args.get("$orderby") else (),
        top=_top(args["$top"]) if "$top" in args else None,
        count=count == "true",
        expand=_expand(args["$expand"], table, schema) if args.get("$expand") else (),
        page=page,
    )


def apply(rows: list[dict], options: QueryOptions) -> list[dict]:
    """Filter and order wire rows; `$top` is the caller's (`@odata.count` ignores it, as OData says)."""
    selected = [r for r in rows if options.where is None or options.where(r)]
    for name, descending in reversed(options.orderby):
        selected.sort(key=_sort_key(name), reverse=descending)
    return selected


def cap(rows: list, options: QueryOptions) -> list:
    return rows[: options.top] if options.top is not None else rows


def _sort_key(name: str) -> Callable[[dict], tuple]:
    def key(row: dict) -> tuple:
        value = row.get(name)
        if isinstance(value, str):
            value = value.casefold()
        return (value is not None, value if value is not None else 0)

    return key
