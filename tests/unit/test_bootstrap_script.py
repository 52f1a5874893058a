"""scripts/bootstrap-azure.sh, the one-time setup of docs/ci.md: its `--dry-run` runs no `az`, `pulumi`, `gh`
or `curl` and prints every command; every role and federated credential docs/ci.md names is created by it,
for every stack file; it passes ShellCheck."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "bootstrap-azure.sh"
SHELLCHECK = pathlib.Path(sys.executable).parent / "shellcheck"
TOOLS = ("az", "pulumi", "gh", "curl")


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory) -> str:
    """The dry run's output, with stand-ins for the tools that record any call (there must be none)."""
    fake = tmp_path_factory.mktemp("bin")
    calls = fake / "calls"
    for tool in TOOLS:
        (fake / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\nexit 9\n')
        (fake / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "PYTHON": sys.executable}
    result = subprocess.run(
        ["bash", str(SCRIPT), "--dry-run"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert not calls.exists(), f"the dry run ran: {calls.read_text()}"
    return result.stdout + result.stderr


def _tables(heading: str) -> list[list[str]]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    section = text.split(f"### {heading}", 1)[1].split("\n### ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 4 and not set(cells[0]) <= {"-"} and cells[0] != "identity":
            rows.append(cells)
    return rows


def _stacks() -> list[str]:
    """The stacks in the order the script walks them (scripts/stacks.py list: deploy order)."""
    listed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "stacks.py"), "list"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(listed) == sorted(
        p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml")
    )
    return listed


def _key(stack: str, key: str) -> str:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "stacks.py"), "get", stack, key],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_the_dry_run_prints_the_commands_and_runs_none(dry_run):
    assert (
        "+ az storage container create --account-name contosostate --name pulumi-state --auth-mode login"
        in dry_run
    )
    assert "+ az keyvault key create --vault-name contoso-handoff-kv --name pulumi" in dry_run
    for stack in _stacks():
        assert f"pulumi stack init {stack} --cwd {ROOT} --secrets-provider azurekeyvault://" in dry_run


def test_every_azure_role_docs_ci_md_names_is_assigned_by_the_script(dry_run):
    rows = [
        row
        for row in _tables("What each permission is for")
        if "Dataverse" not in row[1] and not row[2].startswith("`https://")
    ]
    roles = [re.fullmatch(r"`([^`]+)`", row[1]) for row in rows if not row[1].startswith("Graph")]
    assert len(roles) >= 8 and all(roles)
    for role in roles:
        name = role.group(1)
        quoted = f"'{name}'" if " " in name else name
        assert "az role assignment create --assignee" in dry_run and f"--role {quoted} --scope" in dry_run, (
            name
        )


def test_the_deployer_gets_the_graph_permission_docs_ci_md_names_with_admin_consent(dry_run):
    [row] = [row for row in _tables("What each permission is for") if row[1].startswith("Graph")]
    assert "`Application.ReadWrite.OwnedBy`" in row[1]
    # Microsoft Graph's app role id of Application.ReadWrite.OwnedBy.
    assert (
        "az ad app permission add --id <handoff-deployer-appId> --api 00000003-0000-0000-c000-000000000000 "
        "--api-permissions 18a4783c-866b-4cc7-a460-3d5e5662c884=Role" in dry_run
    )
    assert "az ad app permission admin-consent --id <handoff-deployer-appId>" in dry_run
    assert "permission add --id <handoff-preview-appId>" not in dry_run


def test_the_preview_identity_is_reader_per_stack_and_never_contributor(dry_run):
    preview = [
        line
        for line in dry_run.splitlines()
        if "role assignment create" in line and "handoff-preview" in line
    ]
    assert {re.search(r"--role ('[^']+'|\S+)", line).group(1) for line in preview} == {
        "Reader",
        "'Storage Blob Data Reader'",
        "'Key Vault Crypto User'",
    }
    assert len([line for line in preview if "--role Reader" in line]) == len(_stacks())


def test_every_federated_credential_docs_ci_md_names_is_created_for_every_stack(dry_run):
    rows = _tables("What each permission is for")
    credentials = [row for row in rows if row[1].startswith("`") and row[2].startswith("`https://")]
    assert {row[0] for row in credentials} == {"deployer", "preview"} and len(credentials) == 4
    for identity, name, issuer, subject in credentials:
        for stack in _stacks():
            subject_here = (
                subject.strip("`")
                .replace("<owner>/<repo>", "contoso/handoff")
                .replace("<organization>/<project>", "contoso/Handoff")
                .replace("<stack>", stack)
            )
            issuer_here = issuer.strip("`").replace(
                "<organizationId>", "88888888-8888-4888-8888-888888888888"
            )
            app = f"<handoff-{identity}-appId>"
            expected = (
                f'az ad app federated-credential create --id {app} --parameters \'{{"name": '
                f'"{name.strip("`").replace("<stack>", stack)}", "issuer": "{issuer_here}", "subject": '
                f'"{subject_here}"'
            )
            assert expected in dry_run, expected


def test_both_identities_get_their_dataverse_role_in_every_stacks_environment(dry_run):
    urls = [_key(stack, "dataverseUrl") for stack in _stacks()]
    for url in set(urls):
        assert (
            f"+ curl -X GET {url}/api/data/v9.2/roles?$select=roleid&$filter=name%20eq%20"
            "'System%20Administrator'" in dry_run
        )
        assert f'+ curl -X POST {url}/api/data/v9.2/roles {{"name": "Handoff preview (read only)"' in dry_run
        # Two application users (deployer, preview) per stack in that environment.
        assert dry_run.count(f"+ curl -X POST {url}/api/data/v9.2/systemusers {{") == 2 * urls.count(url)


def test_each_azure_devops_connection_is_made_for_the_stacks_cloud_and_authorized_for_its_pipelines(dry_run):
    for stack in _stacks():
        assert f'"name": "handoff-{stack}", "type": "AzureRM"' in dry_run
        assert f'"name": "handoff-{stack}-preview", "type": "AzureRM"' in dry_run
    assert '"environment": "AzureCloud"' in dry_run
    grants = re.findall(r"resourceId=<(handoff-[\w-]+)-id>", dry_run)
    pipelines = re.findall(r"az pipelines show --name (handoff-\w+)", dry_run)
    assert list(zip(pipelines, grants)) == [
        pair
        for stack in _stacks()
        for pair in (
            ("handoff-deploy", f"handoff-{stack}"),
            ("handoff-drift", f"handoff-{stack}"),
            ("handoff-preview", f"handoff-{stack}-preview"),
        )
    ]


def test_the_dry_run_prints_no_token():
    text = SCRIPT.read_text(encoding="utf-8")
    # The only token the script handles goes to curl on standard input (-H @-), never into an argument.
    assert "printf 'Authorization: Bearer %s\\n' \"$token\" | curl" in text and "-H @-" in text
    assert text.count("get-access-token") == 1


def test_the_script_passes_shellcheck():
    result = subprocess.run([str(SHELLCHECK), str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
