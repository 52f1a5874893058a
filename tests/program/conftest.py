"""Program evaluations shared by the program-structure tests: one run per committed stack file per session.

`offline.program.run_program` installs Pulumi's process-global mocks itself on every call, so runs happen
here, at fixture time, never at import time.
"""

from __future__ import annotations

import pytest

from offline.program import ProgramRun, run_program

COMMITTED_STACKS = ("dev", "prod")


@pytest.fixture(scope="session")
def committed_runs() -> dict[str, ProgramRun]:
    return {stack: run_program(stack=stack) for stack in COMMITTED_STACKS}


@pytest.fixture(params=COMMITTED_STACKS)
def committed(request, committed_runs) -> ProgramRun:
    """The program evaluated for each committed stack file (Pulumi.dev.yaml, Pulumi.prod.yaml)."""
    return committed_runs[request.param]


@pytest.fixture
def azure_bot(committed_runs) -> ProgramRun:
    """The committed Azure (Bot Framework) bot stack (Pulumi.prod.yaml, botProvider: other)."""
    return committed_runs["prod"]


@pytest.fixture
def copilot_agent(committed_runs) -> ProgramRun:
    """The committed Copilot Studio agent stack (Pulumi.dev.yaml)."""
    return committed_runs["dev"]
