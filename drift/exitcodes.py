"""Exit codes of `python -m drift`, aligned with the Pulumi CLI's (docs: pulumi.com/docs/iac/cli/exit-codes,
CLI >= 3.226.1), and the precedence that picks one code for a scan of several stacks.

A scan exits with the worst code over its stacks, in PRECEDENCE order: an error on any stack outranks
drift on another (that stack was not checked, so "only drift" would be a false statement), and drift
outranks clean. Errors are never reported as drift (7) and drift never as an error.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Iterable

CLEAN = 0
OTHER_ERROR = 1  # CLI: generic error (also resource errors 4, timeouts 9, internal 255 when not auth)
CONFIGURATION = 2  # CLI: configuration and validation error (also our own usage errors)
AUTHENTICATION = 3  # CLI: authentication or authorization error
STACK_NOT_FOUND = 6  # CLI: stack not found
CHANGES_FOUND = 7  # CLI: `--expect-no-changes` and changes detected

# Worst first. Authentication usually breaks every stack at once and is fixed outside the repository;
# a missing stack means the scan looked at the wrong backend or name; configuration is fixed in the
# repository; an unexplained error comes last among errors so a specific cause is never hidden by it.
PRECEDENCE = (AUTHENTICATION, STACK_NOT_FOUND, CONFIGURATION, OTHER_ERROR, CHANGES_FOUND, CLEAN)

MEANINGS = MappingProxyType(
    {
        CLEAN: "no drift: every stack matches its recorded state",
        CHANGES_FOUND: "drift found (or, with --include-pending-changes, changes not yet applied)",
        AUTHENTICATION: "authentication or authorization failure (backend login or cloud credentials)",
        CONFIGURATION: (
            "configuration error (bad arguments, project or stack configuration, CLI missing or too old)"
        ),
        STACK_NOT_FOUND: "a requested stack does not exist in the backend",
        OTHER_ERROR: "any other error (provider failure while reading, timeout, internal error)",
    }
)


def worst(codes: Iterable[int]) -> int:
    """The code that wins under PRECEDENCE; CLEAN for an empty scan. Unknown codes count as OTHER_ERROR."""
    present = {code if code in PRECEDENCE else OTHER_ERROR for code in codes}
    return next((code for code in PRECEDENCE if code in present), CLEAN)
