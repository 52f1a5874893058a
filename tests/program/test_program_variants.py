"""The program under mocks for stack files derived from Pulumi.dev.yaml by changing a few keys: the paths the
committed stacks do not take (client secret, managed identity, GCC, DoD, preview)."""

from __future__ import annotations

from offline.program import STACK_IDENTITIES, run_program

MSI_ID = (
    "/subscriptions/66666666-6666-4666-8666-666666666666/resourceGroups/rg-identities/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/contoso-handoff-bot"
)


def test_client_secret_is_created_only_on_request_as_a_secret_output_rotated_by_its_label():
    run = run_program(stack="prod", overrides={"createClientSecret": True, "clientSecretRotation": "2025-q3"})
    password = run.named("bot-secret")
    assert password.inputs["applicationId"] == run.named("bot-app").id
    assert password.inputs["rotateWhenChanged"] == {"rotation": "2025-q3"}
    assert "value" in password.additional_secret_outputs
    assert not password.protect
    assert "botClientSecret" in run.secret_outputs
    assert run.outputs["botClientSecret"] == password.outputs["value"]


def test_changing_the_rotation_label_changes_the_secret_inputs():
    runs = [
        run_program(stack="prod", overrides={"createClientSecret": True, "clientSecretRotation": label})
        for label in ("2025-q3", "2025-q4")
    ]
    first, second = (run.named("bot-secret").inputs["rotateWhenChanged"] for run in runs)
    assert first != second


def test_user_assigned_msi_bot_uses_the_identity_client_id_and_creates_no_app_registration():
    run = run_program(
        stack="prod",
        overrides={
            "botAppType": "UserAssignedMSI",
            "botMsiResourceId": MSI_ID,
            "githubOidcSubjects": [],
            "azureDevOpsOidc": [],
        },
    )
    assert [r for r in run.registrations if r.type.startswith("azuread:") or r.name.startswith("bot")] == []
    properties = run.named("channel-bot").inputs["properties"]
    assert properties["msaAppType"] == "UserAssignedMSI"
    assert properties["msaAppMSIResourceId"] == MSI_ID
    assert properties["msaAppId"] == STACK_IDENTITIES["prod"].bot_app_client_id == run.outputs["botAppId"]


def test_gcc_environment_gets_the_gcc_teams_deployment_environment():
    run = run_program(
        stack="prod",
        overrides={
            "geography": "usgov",
            "botLocation": "global",
            "dataverseUrl": "https://contoso-gcc.crm9.dynamics.com",
        },
    )
    teams = run.named("channel-teams").inputs["properties"]["properties"]
    assert teams["deploymentEnvironment"] == "GCCModerateDeployment"
    assert run.named("azuread").inputs["environment"] == "global"


def test_dod_environment_uses_the_dod_entra_environment_and_the_us_government_arm_cloud():
    run = run_program(
        stack="prod",
        overrides={
            "cloud": "usgovernment",
            "geography": "usdod",
            "botLocation": "global",
            "dataverseUrl": "https://contoso.crm.appsplatform.us",
        },
    )
    assert run.named("azuread").inputs["environment"] == "usgovernmentl5"
    assert run.named("azure-native").inputs["environment"] == "usgovernment"


def test_preview_declares_the_same_resources_as_an_update():
    preview, update = run_program(stack="prod", preview=True), run_program(stack="prod")
    assert sorted((r.type, r.name, r.protect) for r in preview.registrations) == sorted(
        (r.type, r.name, r.protect) for r in update.registrations
    )


def test_an_azure_bot_without_the_teams_channel_keeps_its_omnichannel_channel():
    run = run_program(stack="prod", overrides={"teamsChannel": False})
    names = {r.name for r in run.registrations}
    assert "channel-omnichannel" in names and "channel-teams" not in names
    assert "teamsChannelResourceId" not in run.outputs


def test_a_multi_tenant_app_registration_is_declared_only_on_request():
    run = run_program(stack="prod", overrides={"botAppMultiTenant": True})
    assert run.named("bot-app").inputs["signInAudience"] == "AzureADMultipleOrgs"
    assert run.named("channel-bot").inputs["properties"]["msaAppType"] == "SingleTenant"
