"""The services the emulator runs, in dispatch order: the first whose prefix matches owns a path.

Entra comes last because its tenant paths (`/{tenant}/...`) are the catch-all.
"""

from __future__ import annotations

import importlib

# (module, class) in dispatch order; each service package adds its line when it lands.
SERVICES: tuple[tuple[str, str], ...] = (
    ("emulator.graph.routes", "GraphService"),
    ("emulator.arm.routes", "ArmService"),
    ("emulator.dataverse.routes", "DataverseService"),
    ("emulator.entra.routes", "EntraService"),
)


def service_classes() -> list[type]:
    return [getattr(importlib.import_module(module), name) for module, name in SERVICES]
