"""Exit codes of `python -m drift`, and the precedence that picks one code for a scan of several stacks.

Our codes reuse the numbers of the Pulumi CLI's taxonomy (pkg/cmd/pulumi/cmd/exit_codes.go, first released in
CLI v3.227.0, #22205; before it every failure exited 255) but they are ours: the drift command decides the
category itself (drift.classify) from what the CLI really returns, which through v3.259 is narrower than the
names suggest: 7 only for `--expect-no-changes` with changes; 6 stack not found or none selected; 3 only for
a backend login or forbidden error (a cloud-provider token failure exits 1); 2 only for a missing `--yes` in
non-interactive mode (bad stack configuration exits 1); 4, 5 and 9 are declared but not wired (a mandatory
policy violation exits 1). See docs/ci.md.

A scan exits with the worst code over its stacks, in PRECEDENCE order: an error on any stack outranks
drift on another (that stack was not checked, so "only drift" would be a false statement), and drift
outranks clean. Errors are never reported as drift (7) and drift never as an error.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Iterable, Mapping

CLEAN = 0
OTHER_ERROR = 1  # anything else: a provider's read failed, an internal error, an unreadable input
CONFIGURATION = 2  # our usage errors, the project or stack configuration, the CLI missing or too old
AUTHENTICATION = 3  # the backend login or the cloud credentials (the CLI itself says 3 only for the first)
STACK_NOT_FOUND = 6  # the CLI's 6: the stack does not exist in the backend
CHANGES_FOUND = 7  # what the CLI's `--expect-no-changes` returns when the engine counted changes

# Worst first. Authentication usually breaks every stack at once and is fixed outside the repository;
# a missing stack means the scan looked at the wrong backend or name; configuration is fixed in the
# repository; an unexplained error comes last among errors so a specific cause is never hidden by it.
PRECEDENCE = (AUTHENTICATION, STACK_NOT_FOUND, CONFIGURATION, OTHER_ERROR, CHANGES_FOUND, CLEAN)

MEANINGS = MappingProxyType(
    {
        CLEAN: "no drift: every stack matches its recorded state",
        CHANGES_FOUND: (
            "drift found: the engine counted changes (or, with --include-pending-changes, changes not yet "
            "applied)"
        ),
        AUTHENTICATION: "authentication or authorization failure (backend login or cloud credentials)",
        CONFIGURATION: (
            "configuration error (bad arguments or an unreadable input file, project or stack configuration, "
            "CLI missing or too old)"
        ),
        STACK_NOT_FOUND: "a requested stack does not exist in the backend",
        OTHER_ERROR: (
            "any other error (a provider failed to read, an error diagnostic, an event log without its "
            "summary, an internal error)"
        ),
    }
)


def worst(codes: Iterable[int]) -> int:
    """The code that wins under PRECEDENCE; CLEAN for an empty scan. Unknown codes count as OTHER_ERROR."""
    present = {code if code in PRECEDENCE else OTHER_ERROR for code in codes}
    return next((code for code in PRECEDENCE if code in present), CLEAN)


# Ops a summary may count that are not changes (pkg/engine/update.go `HasChanges`, v3.259): with
# `--expect-no-changes` the CLI exits 7 when the summary counts any other op.
NO_CHANGE_OPS = frozenset({"same", "read", "discard", "read-replacement"})


def changes_counted(change_summary: Mapping[str, int]) -> int:
    """How many changes the engine's summary counts."""
    return sum(count for op, count in change_summary.items() if op not in NO_CHANGE_OPS)


def counts_changes(change_summary: Mapping[str, int]) -> bool:
    """True when the engine's summary counts a change: what makes the CLI's `--expect-no-changes` exit 7."""
    return changes_counted(change_summary) > 0
