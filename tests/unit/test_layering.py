"""The import direction of docs/architecture.md: components -> dynamic -> clients; nobody imports the
emulator from product code; the emulator never imports the product."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.add(".".join(base + ([node.module] if node.module else [])))
            else:
                names.add(node.module or "")
    return names


def _files(*folders: str) -> list[pathlib.Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py")) if "venv" not in p.parts]


def _offending(paths, forbidden) -> list[str]:
    return [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in paths
        for name in sorted(_imports(p))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def test_clients_never_import_pulumi_or_higher_layers():
    assert (
        _offending(
            _files("components/clients"),
            [
                "pulumi",
                "components.dynamic",
                "components.settings",
                "components.identity",
                "components.teams",
                "components.omnichannel",
                "tests",
                "offline",
            ],
        )
        == []
    )


def test_dynamic_providers_import_only_clients_and_validation_from_the_project():
    allowed = ("components.clients", "components.validation", "components.dynamic")
    bad = [
        f"{p.relative_to(ROOT)} imports {n}"
        for p in _files("components/dynamic")
        for n in _imports(p)
        if (n.startswith("components") and not n.startswith(allowed)) or n.startswith(("tests", "offline"))
    ]
    assert bad == []


def test_validation_is_a_leaf_module():
    path = ROOT / "components" / "validation.py"
    if not path.exists():
        pytest.skip("components/validation.py not written yet")
    assert _offending([path], ["components", "pulumi", "tests", "offline"]) == []


def test_product_code_never_imports_the_emulator_or_the_offline_runner():
    product = _files("components", "drift", "policy") + [ROOT / "__main__.py"]
    assert _offending([p for p in product if p.exists()], ["tests", "offline"]) == []


def test_emulator_never_imports_the_product():
    assert _offending(_files("tests/emulator"), ["components", "offline", "drift", "policy"]) == []


def test_components_package_init_imports_nothing():
    assert _imports(ROOT / "components" / "__init__.py") == set()
