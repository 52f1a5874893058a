"""The import direction of docs/architecture.md: components -> dynamic -> clients; the program, drift,
policy and the survey never import the emulator, the offline tools or the tests; the emulator never imports
the product; nothing outside tests/ imports tests."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _imports(path: pathlib.Path) -> set[str]:
    """Every name a module imports, absolute: `from a import b` counts as `a.b` (b may be a submodule)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.update(f"{module}.{alias.name}" for alias in node.names)
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


# Standard-library modules every layer may read (the policy pack too, in its own virtualenv): each imports
# nothing of the project but the leaves listed before it.
LEAVES = {
    "components/names.py": (),
    "components/redaction.py": (),
    "components/validation.py": (),
    "components/config_keys.py": ("components.names", "components.validation"),
}
_LEAF_MODULES = tuple(path[:-3].replace("/", ".") for path in LEAVES)


def _outside(paths, allowed: tuple[str, ...]) -> list[str]:
    """Imports of project packages (or pulumi) not under one of `allowed`."""
    return [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in paths
        for name in sorted(_imports(p))
        if name.split(".")[0] in (*PROJECT_PACKAGES, "pulumi")
        and not any(name == a or name.startswith(a + ".") for a in allowed)
    ]


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_shared_modules_are_leaves(leaf):
    assert _outside([ROOT / leaf], LEAVES[leaf]) == []


def test_clients_import_only_themselves_and_the_leaves():
    assert _outside(_files("components/clients"), ("components.clients", *_LEAF_MODULES)) == []


def test_dynamic_providers_import_only_clients_the_leaves_and_pulumi():
    allowed = ("components.dynamic", "components.clients", *_LEAF_MODULES, "pulumi")
    assert _outside(_files("components/dynamic"), allowed) == []


# Every top-level package of the repository and the project packages it may import. A new package must be
# added here, so the layering is decided when it is created, not found out later.
PROJECT_PACKAGES = ("components", "drift", "policy", "survey", "offline", "emulator", "benchmarks", "tests")
MAY_IMPORT = {
    # The program, its providers and the commands users run in pipelines: never the emulator or the tools.
    "components": ("components",),
    "drift": ("drift", "components"),
    "policy": ("policy", "components"),
    # The read-only survey users run against their tenant: the product's clients, never the emulator.
    "survey": ("survey", "components", "drift"),
    "__main__.py": ("components",),
    # The emulator stands for Microsoft: it knows nothing of the product.
    "emulator": ("emulator",),
    # The offline trial and harness run the product against the emulator.
    "offline": ("offline", "components", "drift", "emulator"),
    "benchmarks": ("benchmarks", "offline", "components", "emulator"),
    # CI's own scripts run before the virtualenv exists (stdlib and PyYAML): nothing of the project.
    "scripts": (),
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
