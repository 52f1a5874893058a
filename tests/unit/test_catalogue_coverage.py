"""Every catalogue entry is asserted by some test: a call `raises_entry(<error class>, "<key>", ...)` or
`assert_entry(<error>, "<class>", "<key>", ...)`, or a literal `Mitigation [<key>]` a test looks for. Those
assertions fail unless the entry is really produced, so with a green suite every entry is reachable. Read from
the test files' source, so it holds whatever tests run, in any order."""

from __future__ import annotations

import ast
import pathlib
import re

from components.clients import catalogue

TESTS = pathlib.Path(__file__).resolve().parents[1]
_KEY_ARGUMENT = {"raises_entry": 1, "assert_entry": 2}
_MITIGATION = re.compile(r"Mitigation \[([a-z0-9-]+)\]")


def asserted_keys() -> set[str]:
    keys: set[str] = set()
    for path in TESTS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                index = _KEY_ARGUMENT.get(name)
                if index is not None and len(node.args) > index:
                    argument = node.args[index]
                    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                        keys.add(argument.value)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                keys.update(_MITIGATION.findall(node.value))
    return keys


def test_every_catalogue_entry_is_asserted_by_a_test():
    missing = sorted(e.key for e in catalogue.ENTRIES if e.key not in asserted_keys())
    assert missing == [], f"catalogue entries no test asserts: {missing}"
