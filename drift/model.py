"""The drift report's data model: what a scan found per stack, resource and property.

Plain frozen dataclasses with no engine types in them, so the renderers and the tests never need the
Automation API. Values held here are already masked (drift.values.mask).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from drift import exitcodes


class _Absent:
    """Marks a property that does not exist on one side of a change (different from a JSON null)."""

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT = _Absent()


class StackStatus(str, enum.Enum):
    CLEAN = "clean"
    DRIFT = "drift"
    ERROR = "error"


class ErrorCategory(str, enum.Enum):
    AUTHENTICATION = "authentication"
    STACK_NOT_FOUND = "stack-not-found"
    CONFIGURATION = "configuration"
    OTHER = "other"

    @property
    def exit_code(self) -> int:
        return {
            ErrorCategory.AUTHENTICATION: exitcodes.AUTHENTICATION,
            ErrorCategory.STACK_NOT_FOUND: exitcodes.STACK_NOT_FOUND,
            ErrorCategory.CONFIGURATION: exitcodes.CONFIGURATION,
            ErrorCategory.OTHER: exitcodes.OTHER_ERROR,
        }[self]


@dataclass(frozen=True)
class PropertyChange:
    """One property path the engine reported as different; `before`/`after` may be ABSENT."""

    path: str
    kind: str
    input_diff: Optional[bool]
    before: Any = ABSENT
    after: Any = ABSENT
    reverts_drift: Optional[bool] = None


@dataclass(frozen=True)
class ResourceChange:
    """A drifted resource (`change`: "modified" or "deleted") or a pending program change (the engine op)."""

    urn: str
    type: str
    name: str
    change: str
    properties: tuple[PropertyChange, ...] = ()


@dataclass(frozen=True)
class IgnoredChange:
    """A difference the report leaves out on purpose, with the reason (never a value)."""

    urn: str
    path: str
    reason: str


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    message: str
    urn: Optional[str] = None


@dataclass(frozen=True)
class StackFailure:
    """Why a stack could not be checked. Never drift: a failed stack has no drift section."""

    category: ErrorCategory
    message: str
    hint: str
    pulumi_exit_code: Optional[int] = None

    @property
    def exit_code(self) -> int:
        return self.category.exit_code


@dataclass(frozen=True)
class StackResult:
    name: str
    drift: tuple[ResourceChange, ...] = ()
    ignored: tuple[IgnoredChange, ...] = ()
    pending: Optional[tuple[ResourceChange, ...]] = None
    change_summary: Mapping[str, int] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()
    failure: Optional[StackFailure] = None
    # Changes the engine counted (change_summary) that no reported resource accounts for: the input could not
    # name them (a `--json` digest hides which dynamic resource drifted). Drift all the same.
    unnamed: int = 0

    @property
    def status(self) -> StackStatus:
        if self.failure is not None:
            return StackStatus.ERROR
        changed = self.drift or self.pending or self.unnamed or exitcodes.counts_changes(self.change_summary)
        return StackStatus.DRIFT if changed else StackStatus.CLEAN

    @property
    def exit_code(self) -> int:
        if self.failure is not None:
            return self.failure.exit_code
        return exitcodes.CHANGES_FOUND if self.status is StackStatus.DRIFT else exitcodes.CLEAN


@dataclass(frozen=True)
class Report:
    stacks: tuple[StackResult, ...]
    generated_at: str
    pending_requested: bool = False

    @property
    def exit_code(self) -> int:
        return exitcodes.worst(stack.exit_code for stack in self.stacks)

    @property
    def status(self) -> StackStatus:
        code = self.exit_code
        if code == exitcodes.CLEAN:
            return StackStatus.CLEAN
        return StackStatus.DRIFT if code == exitcodes.CHANGES_FOUND else StackStatus.ERROR
