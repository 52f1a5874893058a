"""Why a stack could not be scanned: authentication, missing stack, configuration, or anything else.

Order of evidence, most reliable first:
1. what the SDK itself recognised (`StackNotFoundError`) or a setup problem before any command ran;
2. the CLI's exit code where it names a category (pkg/cmd/pulumi/cmd/exit_codes.go `ExitCodeFor`, CLI
   v3.227.0 to v3.259 at least): 2 only for a missing `--yes` in non-interactive mode or malformed flags,
   3 only for a backend login or forbidden error, 6 for a stack not found or none selected;
3. for everything else (1, which through v3.259 also covers bad stack configuration, a cloud-provider token
   failure and a mandatory policy violation; 255 from CLIs before v3.227.0), the texts the CLI, the
   backends and the Azure providers print, matched against stderr, stdout and the engine's error
   diagnostics. A provider that cannot get a token fails its read with code 1: that is an authentication
   failure for the user, and reported as one.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Iterable

from drift import values
from drift.engine import EngineFailure
from drift.model import ErrorCategory, StackFailure

_CLI_CATEGORIES = MappingProxyType(
    {
        2: ErrorCategory.CONFIGURATION,
        3: ErrorCategory.AUTHENTICATION,
        6: ErrorCategory.STACK_NOT_FOUND,
    }
)

_PATTERNS = (
    (
        ErrorCategory.AUTHENTICATION,
        re.compile(
            "|".join(
                (
                    r"PULUMI_ACCESS_TOKEN must be set",
                    r"you aren't logged in|not logged in|did you forget to 'pulumi login'",
                    r"\bunauthori[sz]ed\b|\b401\b|\bforbidden\b|\b403\b",
                    r"\bAADSTS\d{5,}",  # Entra ID (token endpoint) error codes
                    r"AuthorizationFailed|AuthenticationFailed",
                    r"InvalidAuthenticationToken|ExpiredAuthenticationToken",
                    r"\binvalid_client\b|\binvalid_grant\b|\bunauthorized_client\b",
                    r"DefaultAzureCredential|ChainedTokenCredential",
                    r"ClientAssertionCredential|AzureCLICredential",
                    r"(?:failed|unable) to (?:acquire|obtain|get|retrieve) (?:an? )?(?:access )?token",
                    r"(?:failed|unable) to authenticate|authentication failed",
                    r"please run 'az login'",
                )
            ),
            re.IGNORECASE,
        ),
    ),
    (
        ErrorCategory.STACK_NOT_FOUND,
        re.compile(
            r"no stack named\b.*\bfound|\bstack\b[^\n]{0,200}\b(?:not found|does not exist)\b", re.IGNORECASE
        ),
    ),
    (
        ErrorCategory.CONFIGURATION,
        re.compile(
            "|".join(
                (
                    r"missing required configuration (?:variable|key)",
                    r"configuration key '[^']*' (?:not found|is required)",
                    r"no Pulumi\.ya?ml project file found",
                    r"could not (?:find|read) (?:the )?(?:current )?project",
                    r"passphrase must be set|incorrect passphrase|PULUMI_CONFIG_PASSPHRASE",
                    r"invalid (?:stack )?configuration|could not (?:load|parse) (?:stack )?config",
                    r"unknown flag",
                )
            ),
            re.IGNORECASE,
        ),
    ),
)

HINTS = MappingProxyType(
    {
        ErrorCategory.AUTHENTICATION: (
            "Check the pipeline identity: the state backend login (PULUMI_BACKEND_URL and its Azure/Pulumi "
            "credentials) and the cloud credentials the providers read (ARM_USE_OIDC, ARM_CLIENT_ID, "
            "ARM_TENANT_ID, ARM_SUBSCRIPTION_ID; the app's federated credential must match this pipeline)."
        ),
        ErrorCategory.STACK_NOT_FOUND: (
            "Check the stack name and that PULUMI_BACKEND_URL points at the backend that holds it "
            "(`pulumi stack ls`)."
        ),
        ErrorCategory.CONFIGURATION: (
            "Check the command line, the project (Pulumi.yaml in --work-dir), the stack file "
            "(Pulumi.<stack>.yaml) and the secrets provider settings."
        ),
        ErrorCategory.OTHER: (
            "Read the message and the engine diagnostics; rerun `pulumi refresh --preview-only` for the "
            "stack to see the full output."
        ),
    }
)


def classify(failure: EngineFailure, diagnostics: Iterable[str] = ()) -> StackFailure:
    """The report's error entry for one stack whose command failed."""
    category = _category(failure, list(diagnostics))
    return StackFailure(
        category=category,
        message=_message(failure, diagnostics),
        hint=HINTS[category],
        pulumi_exit_code=failure.exit_code,
    )


def _category(failure: EngineFailure, diagnostics: list[str]) -> ErrorCategory:
    if failure.stack_not_found:
        return ErrorCategory.STACK_NOT_FOUND
    if failure.setup_problem:
        return ErrorCategory.CONFIGURATION
    if failure.exit_code in _CLI_CATEGORIES:
        return _CLI_CATEGORIES[failure.exit_code]
    text = "\n".join([failure.stderr, *diagnostics, failure.stdout])
    for category, pattern in _PATTERNS:
        if pattern.search(text):
            return category
    return ErrorCategory.OTHER


def _message(failure: EngineFailure, diagnostics: Iterable[str]) -> str:
    if failure.setup_problem:
        return failure.setup_problem
    lines = [line.strip() for line in failure.stderr.splitlines() if line.strip()]
    error_lines = [line for line in lines if line.lower().startswith("error:")]
    for candidate in (*error_lines, *diagnostics, *lines[-1:]):
        message = values.clean_text(re.sub(r"^error:\s*", "", candidate, flags=re.IGNORECASE))
        if message:
            return message
    return f"pulumi exited with code {failure.exit_code}" if failure.exit_code is not None else str(failure)
