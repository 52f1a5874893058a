"""The project's Python scripts (scripts/*.py) loaded as modules, so tests use them exactly as CI runs them:
they are run by path (`python scripts/stacks.py`), not imported from a package."""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import types

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load_script(name: str) -> types.ModuleType:
    """scripts/<name>.py as a module (loaded once; dataclasses need it in sys.modules)."""
    module_name = f"scripts_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
