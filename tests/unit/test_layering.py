"""The import direction of docs/architecture.md: components -> dynamic -> clients; the program, drift and
policy never import the emulator, the offline tools or the tests; the emulator never imports the product;
nothing outside tests/ imports tests."""

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


# Every top-level package of the repository and the project packages it may import. A new package must be
# added here, so the layering is decided when it is created, not found out later.
PROJECT_PACKAGES = ("components", "drift", "policy", "offline", "emulator", "benchmarks", "tests")
MAY_IMPORT = {
    # The program, its providers and the commands users run in pipelines: never the emulator or the tools.
    "components": ("components",),
    "drift": ("drift", "components"),
    "policy": ("policy", "components"),
    "__main__.py": ("components",),
    # The emulator stands for Microsoft: it knows nothing of the product.
    "emulator": ("emulator",),
    # The offline trial and harness run the product against the emulator.
    "offline": ("offline", "components", "drift", "emulator"),
    "benchmarks": ("benchmarks", "offline", "components", "emulator"),
    "tests": PROJECT_PACKAGES,
}


def _top_level_packages() -> set[str]:
    found = {p.parent.name for p in ROOT.glob("*/*.py") if "venv" not in p.parts}
    return found | ({"__main__.py"} if (ROOT / "__main__.py").exists() else set())


def test_every_top_level_package_has_a_layering_rule():
    assert _top_level_packages() - set(MAY_IMPORT) == set()


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_each_package_imports_only_the_packages_below_it(package):
    paths = [ROOT / package] if package.endswith(".py") else _files(package)
    forbidden = [name for name in PROJECT_PACKAGES if name not in MAY_IMPORT[package]]
    assert _offending(paths, forbidden) == []


def test_nothing_outside_the_tests_imports_the_tests():
    outside = [p for p in ROOT.rglob("*.py") if "venv" not in p.parts and p.parts[len(ROOT.parts)] != "tests"]
    assert _offending(outside, ["tests"]) == []


def test_components_package_init_imports_nothing():
    assert _imports(ROOT / "components" / "__init__.py") == set()
