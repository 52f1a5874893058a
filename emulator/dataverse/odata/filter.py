"""`$filter` expressions: parse against a table, then evaluate on rows in their wire shape.

Supported: `eq ne gt ge lt le`, `and or not`, parentheses, `contains/startswith/endswith(prop,'text')`,
literals `'string'` ('' escapes a quote), GUIDs, whole and decimal numbers, `true/false`, `null` and
unquoted date-times; a property may sit on either side, or on both (column comparison).
String comparisons ignore case, as Dataverse's SQL collation does [I: observed behaviour of the real
service]. Unknown properties and operands of incompatible types answer the OData parser's 400.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable, Union

from .. import errors
from ..models.schema import EDM, Table

_TOKEN = re.compile(
    r"""
    \s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
    | (?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z_][\w.]*)
    | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)
COMPARISONS = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}
FUNCTIONS = ("contains", "startswith", "endswith")
LITERAL_EDM = {
    "string": "Edm.String",
    "guid": "Edm.Guid",
    "int": "Edm.Int32",
    "decimal": "Edm.Decimal",
    "bool": "Edm.Boolean",
    "datetime": "Edm.DateTimeOffset",
}
_COMPATIBLE = {"Edm.Int32": {"Edm.Int32", "Edm.Decimal"}, "Edm.Decimal": {"Edm.Int32", "Edm.Decimal"}}


@dataclasses.dataclass(frozen=True)
class Prop:
    name: str
    kind: str


@dataclasses.dataclass(frozen=True)
class Literal:
    value: Any
    kind: str  # a LITERAL_EDM key, or "null"


Operand = Union[Prop, Literal]
Predicate = Callable[[dict], bool]


def _edm(operand: Operand) -> str:
    return EDM[operand.kind] if isinstance(operand, Prop) else LITERAL_EDM.get(operand.kind, "null")


def _normalise(value: Any, kind: str) -> Any:
    if isinstance(value, str) and kind in ("string", "memo", "guid"):
        return value.casefold()
    return value


class _Parser:
    def __init__(self, text: str, table: Table) -> None:
        self.table = table
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text.rstrip()):
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                raise errors.bad_query(f"Syntax error at position {position} in '{text}'.")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.index = 0
        self.text = text

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "")

    def take(self, expected: str = "") -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end" or (expected and token[1] != expected):
            raise errors.bad_query(f"Syntax error: expected '{expected or 'an operand'}' in '{self.text}'.")
        self.index += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.or_expr()
        if self.peek()[0] != "end":
            raise errors.bad_query(f"Syntax error at '{self.peek()[1]}' in '{self.text}'.")
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.peek() == ("name", "or"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda row, ps=tuple(parts): any(p(row) for p in ps))

    def and_expr(self) -> Predicate:
        parts = [self.not_expr()]
        while self.peek() == ("name", "and"):
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else (lambda row, ps=tuple(parts): all(p(row) for p in ps))

    def not_expr(self) -> Predicate:
        if self.peek() == ("name", "not"):
            self.take()
            inner = self.not_expr()
            return lambda row: not inner(row)
        return self.primary()

    def primary(self) -> Predicate:
        if self.peek() == ("punct", "("):
            self.take()
            inner = self.or_expr()
            self.take(")")
            return inner
        if self.peek()[0] == "name" and self.peek()[1] in FUNCTIONS:
            return self.function()
        left = self.operand()
        kind, operator = self.take()
        if kind != "name" or operator not in COMPARISONS:
            raise errors.bad_query(
                f"Syntax error: '{operator}' is not a comparison operator in '{self.text}'."
            )
        right = self.operand()
        return self.comparison(left, operator, right)

    def function(self) -> Predicate:
        name = self.take()[1]
        self.take("(")
        prop = self.operand()
        self.take(",")
        literal = self.operand()
        self.take(")")
        if (
            not isinstance(prop, Prop)
            or prop.kind not in ("string", "memo")
            or not (isinstance(literal, Literal) and literal.kind == "string")
        ):
            raise errors.bad_query(f"The function '{name}' needs a string property and a string literal.")
        needle = literal.value.casefold()
        test = {
            "contains": lambda v: needle in v,
            "startswith": lambda v: v.startswith(needle),
            "endswith": lambda v: v.endswith(needle),
        }[name]
        return lambda row: isinstance(row.get(prop.name), str) and test(row[prop.name].casefold())

    def operand(self) -> Operand:
        kind, text = self.take()
        if kind == "string":
            return Literal(text[1:-1].replace("''", "'"), "string")
        if kind == "guid":
            return Literal(text.lower(), "guid")
        if kind == "date":
            return Literal(text, "datetime")
        if kind == "number":
            return Literal(float(text), "decimal") if "." in text else Literal(int(text), "int")
        if kind == "name" and text in ("true", "false"):
            return Literal(text == "true", "bool")
        if kind == "name" and text == "null":
            return Literal(None, "null")
        if kind == "name":
            prop_kind = self.table.property_kind(text)
            if prop_kind is None:
                raise errors.property_not_found(text, self.table.type_name)
            return Prop(text, prop_kind)
        raise errors.bad_query(f"Syntax error at '{text}' in '{self.text}'.")

    def comparison(self, left: Operand, operator: str, right: Operand) -> Predicate:
        left_edm, right_edm = _edm(left), _edm(right)
        if (
            "null" not in (left_edm, right_edm)
            and left_edm != right_edm
            and (right_edm not in _COMPATIBLE.get(left_edm, ()))
        ):
            raise errors.incompatible_types(left_edm, right_edm, COMPARISONS[operator])
        kind = left.kind if isinstance(left, Prop) else right.kind

        def value(operand: Operand, row: dict) -> Any:
            raw = row.get(operand.name) if isinstance(operand, Prop) else operand.value
            return _normalise(raw, kind)

        def test(row: dict) -> bool:
            a, b = value(left, row), value(right, row)
            if operator == "eq":
                return a == b
            if operator == "ne":
                return a != b
            if a is None or b is None:
                return False
            return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[operator]

        return test


def parse_filter(text: str, table: Table) -> Predicate:
    """A predicate over wire rows of `table`; raises DataverseError (400) for a bad expression."""
    return _Parser(text, table).parse()
