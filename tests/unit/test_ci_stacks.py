"""scripts/stacks.py, the one derivation of the stacks CI runs: an environment is one stack file, its
`handoff:deployOrder` places it, any stack name Pulumi allows gets valid job ids, its `handoff:cloud`
picks the sign-in cloud, and the Azure pipelines' generated lists follow the files."""

from __future__ import annotations

import json
import pathlib
import re
import shutil

import pytest

from components import validation
from tests.support_scripts import load_script

ROOT = pathlib.Path(__file__).resolve().parents[2]
STACKS = load_script("stacks")


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of the project's Pulumi.yaml, stack files and Azure pipelines."""
    for path in [ROOT / "Pulumi.yaml", *ROOT.glob("Pulumi.*.yaml")]:
        shutil.copy(path, tmp_path / path.name)
    shutil.copytree(ROOT / ".azure-pipelines", tmp_path / ".azure-pipelines")
    return tmp_path


def _add_stack(project: pathlib.Path, name: str, *replace: tuple[str, str]) -> None:
    text = (project / "Pulumi.dev.yaml").read_text()
    for old, new in replace:
        assert re.search(old, text, re.M)
        text = re.sub(old, new, text, flags=re.M)
    (project / f"Pulumi.{name}.yaml").write_text(text)


def _only_dev_and_prod(project: pathlib.Path) -> None:
    for path in project.glob("Pulumi.*.yaml"):
        if path.name not in ("Pulumi.dev.yaml", "Pulumi.prod.yaml"):
            path.unlink()


def test_a_copy_of_dev_named_test_deploys_between_dev_and_prod(project):
    _only_dev_and_prod(project)
    _add_stack(project, "test", ("contoso-dev.crm", "contoso-test.crm"))
    assert [s.name for s in STACKS.stacks(project)] == ["dev", "test", "prod"]


def test_deploy_order_is_the_declared_key_then_the_name_and_the_default_sits_between(project):
    _only_dev_and_prod(project)
    _add_stack(project, "zeta", ("handoff:deployOrder: 10", "handoff:deployOrder: 5"))
    _add_stack(project, "alpha", (r"^  handoff:deployOrder: 10.*\n", ""))
    # zeta declares 5, dev 10, alpha nothing (Pulumi.yaml's default, 50), prod 90.
    assert [s.name for s in STACKS.stacks(project)] == ["zeta", "dev", "alpha", "prod"]


@pytest.mark.parametrize(
    ("names", "ids"),
    [
        (["prod-eu"], ["prod_eu"]),
        (["prod.eu", "prod-eu", "prod_eu"], ["prod_eu", "prod_eu_2", "prod_eu_3"]),
        (["1st"], ["1st"]),
    ],
)
def test_job_ids_are_valid_and_distinct_for_any_pulumi_stack_name(names, ids):
    assert STACKS._job_ids(names) == ids


def test_a_stack_name_pulumi_refuses_is_reported_with_the_file(project):
    _add_stack(project, "bad name", ("contoso-dev.crm", "x.crm"))
    with pytest.raises(STACKS.StackFileError, match=r"Pulumi\.bad name\.yaml: 'bad name' is not a Pulumi"):
        STACKS.stacks(project)


def test_a_deploy_order_that_is_not_a_number_is_reported(project):
    _add_stack(project, "test", ("handoff:deployOrder: 10", "handoff:deployOrder: soon"))
    with pytest.raises(STACKS.StackFileError, match="deployOrder is not a whole number: 'soon'"):
        STACKS.stacks(project)


def test_every_cloud_of_the_project_has_a_sign_in_name_for_github_and_azure_devops():
    assert set(STACKS.LOGIN_ENVIRONMENTS) == set(STACKS.AZ_CLOUDS) == set(validation.CLOUDS)


def test_a_usgovernment_stack_signs_in_to_the_us_government_cloud(project):
    _add_stack(
        project,
        "gov",
        ("handoff:geography: unitedstates", "handoff:geography: usgovhigh\n  handoff:cloud: usgovernment"),
    )
    [row] = [
        r for r in json.loads(STACKS.github_matrix(STACKS.stacks(project)))["include"] if r["stack"] == "gov"
    ]
    assert row["login_environment"] == "azureusgovernment" and row["cloud"] == "usgovernment"
    assert row["tenant"] == "11111111-1111-4111-8111-111111111111"
    assert '{name: "gov", id: "gov", azCloud: AzureUSGovernment}' in "\n".join(
        STACKS.azure_block(STACKS.stacks(project))
    )


def test_the_github_matrix_lists_every_stack_file_in_deploy_order():
    matrix = json.loads(STACKS.github_matrix(STACKS.stacks(ROOT)))
    names = [row["stack"] for row in matrix["include"]]
    assert sorted(names) == sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))
    orders = [int(STACKS.get(name, "deployOrder")) for name in names]
    assert orders == sorted(orders) and names[0] == "dev" and names[-1] == "prod"


def test_a_new_stack_file_makes_the_azure_pipelines_stale_until_regenerated(project):
    assert STACKS.stale_azure_pipelines(project) == []
    _add_stack(project, "prod-eu", ("contoso-dev.crm", "contoso-eu.crm"))
    assert STACKS.stale_azure_pipelines(project) == list(STACKS.AZURE_PIPELINES)
    for name in STACKS.AZURE_PIPELINES:
        path = project / ".azure-pipelines" / name
        path.write_text(STACKS.with_azure_block(path.read_text(), STACKS.stacks(project)))
    assert STACKS.stale_azure_pipelines(project) == []
    assert (
        '{name: "prod-eu", id: "prod_eu", azCloud: AzureCloud}'
        in (project / ".azure-pipelines/deploy.yml").read_text()
    )


def test_regenerating_a_current_pipeline_changes_nothing():
    for name in STACKS.AZURE_PIPELINES:
        text = (ROOT / ".azure-pipelines" / name).read_text()
        assert STACKS.with_azure_block(text, STACKS.stacks(ROOT)) == text
