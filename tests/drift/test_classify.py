"""Error classification from what the Automation API raises, with the CLI's texts and exit codes."""

from __future__ import annotations

import pytest
from pulumi.automation import errors as auto_errors

from drift.classify import classify
from drift.engine import AutomationEngine, EngineFailure, as_engine_failure
from drift.model import ErrorCategory
from tests.drift import engine_shapes as shapes

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhcGk6Ly9BenVyZUFEVG9rZW5FeGNoYW5nZSJ9.c2lnbmF0dXJlLXZhbHVl"


def _classified(code: int, stderr: str, stdout: str = "", diagnostics=()):
    return classify(as_engine_failure(shapes.command_error(code, stderr, stdout)), diagnostics)


@pytest.mark.parametrize("code", [3, 255])
def test_backend_login_missing_is_an_authentication_failure_with_or_without_the_new_exit_codes(code):
    failure = _classified(
        code, "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions\n"
    )
    assert failure.category is ErrorCategory.AUTHENTICATION and failure.exit_code == 3
    assert failure.message == "PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions"
    assert failure.pulumi_exit_code == code
    assert "ARM_CLIENT_ID" in failure.hint


def test_provider_token_failure_during_the_read_is_authentication_not_a_resource_error():
    stderr = (
        "error: preview failed: reading Bot: obtaining token: AADSTS700213: No matching federated "
        "identity record found for presented assertion subject 'repo:contoso/handoff:ref:refs/heads/main'\n"
    )
    failure = _classified(4, stderr)
    assert failure.category is ErrorCategory.AUTHENTICATION
    assert "AADSTS700213" in failure.message


def test_state_backend_credential_failure_is_authentication():
    stderr = (
        'error: failed to load checkpoint: blob (key ".pulumi/stacks/handoff/dev.json"): '
        "DefaultAzureCredential: failed to acquire a token.\n"
    )
    assert _classified(255, stderr).category is ErrorCategory.AUTHENTICATION


def test_authentication_evidence_in_engine_diagnostics_is_used_when_stderr_is_generic():
    failure = _classified(
        1,
        "error: one or more errors occurred\n",
        diagnostics=["azure-native: AuthorizationFailed: the client has no access"],
    )
    assert failure.category is ErrorCategory.AUTHENTICATION


def test_missing_stack_is_recognised_from_the_cli_text_even_with_the_old_exit_code():
    error = shapes.command_error(255, "error: no stack named 'qa' found\n")
    assert isinstance(error, auto_errors.StackNotFoundError)  # the SDK's own classification
    failure = classify(as_engine_failure(error))
    assert failure.category is ErrorCategory.STACK_NOT_FOUND and failure.exit_code == 6
    assert failure.message == "no stack named 'qa' found"


def test_exit_code_6_means_stack_not_found_whatever_the_text():
    assert (
        _classified(6, "error: [404] Not found: 'contoso/handoff/qa'\n").category
        is ErrorCategory.STACK_NOT_FOUND
    )


@pytest.mark.parametrize(
    "code, stderr",
    [
        (2, "error: invalid value for --parallel\n"),
        (
            255,
            "error: getting secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or "
            "PULUMI_CONFIG_PASSPHRASE_FILE environment variables\n",
        ),
        (1, "error: Missing required configuration variable 'handoff:tenantId'\n"),
        (255, "error: no Pulumi.yaml project file found (searching upwards from /src)\n"),
    ],
)
def test_configuration_problems_exit_2_whatever_code_the_cli_used(code, stderr):
    failure = _classified(code, stderr)
    assert failure.category is ErrorCategory.CONFIGURATION and failure.exit_code == 2


def test_provider_error_that_is_not_about_credentials_is_another_error():
    failure = _classified(1, "error: preview failed: GET https://contoso.crm4.dynamics.com: HTTP 500\n")
    assert failure.category is ErrorCategory.OTHER and failure.exit_code == 1


def test_engine_that_stopped_before_its_summary_is_another_error():
    failure = classify(as_engine_failure(RuntimeError("summary event never found")))
    assert failure.category is ErrorCategory.OTHER and failure.message == "summary event never found"


def test_missing_cli_is_a_configuration_error_that_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineFailure) as raised:
        AutomationEngine(str(tmp_path))
    failure = classify(raised.value)
    assert failure.category is ErrorCategory.CONFIGURATION
    assert "Pulumi CLI was not found on PATH" in failure.message and "3.227.0" in failure.message


def test_cli_older_than_the_exit_code_mapping_is_a_configuration_error():
    failure = classify(
        as_engine_failure(auto_errors.InvalidVersionError("Minimum version requirement failed"))
    )
    assert failure.category is ErrorCategory.CONFIGURATION and "3.227.0" in failure.message


def test_messages_never_carry_tokens_or_secret_assignments():
    failure = _classified(3, f"error: token {TOKEN} rejected; client_secret=abc123 refused\n")
    assert TOKEN not in failure.message and "abc123" not in failure.message
    assert "[redacted-token]" in failure.message and "client_secret=[redacted]" in failure.message


def test_exit_code_and_output_are_read_back_from_the_command_error_text():
    failure = as_engine_failure(shapes.command_error(7, "err line\n", "out line\n stderr: look-alike"))
    assert failure.exit_code == 7 and failure.stderr == "err line\n"
    assert failure.stdout == "out line\n stderr: look-alike"
