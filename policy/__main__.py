"""Entry point the Pulumi CLI runs for `--policy-pack policy`: serves the hand-off policies.

Constructing PolicyPack starts the analyzer's gRPC server and blocks, so nothing imports this module;
tests import `policy.rules`. The project root goes on sys.path so the pack uses the same geography tables
as the program (components/validation.py, a standard-library-only module).
"""

from __future__ import annotations

import pathlib
import sys

PROJECT_ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402  (after the path set-up above)

from policy.rules import POLICIES  # noqa: E402

PolicyPack(name="handoff-policies", enforcement_level=EnforcementLevel.MANDATORY, policies=list(POLICIES))
