"""Catalogue entries for signing in: Microsoft Entra ID (AADSTS codes) and the credential sources.

AADSTS meanings: https://learn.microsoft.com/entra/identity-platform/reference-error-codes (reference
§1.3). Clients branch on the numeric code, never on the description text (Microsoft's advice).
"""

from __future__ import annotations

from . import Entry

_AADSTS = "https://learn.microsoft.com/entra/identity-platform/reference-error-codes"
_WIF = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"

ENTRIES: tuple[Entry, ...] = (
    Entry(
        key="entra-app-not-found",
        title="The deployer's application is not known in the tenant (AADSTS700016)",
        cause="The client id (ARM_CLIENT_ID / AZURE_CLIENT_ID) does not name an application in the tenant "
        "(ARM_TENANT_ID / AZURE_TENANT_ID or the stack's tenantId): a typo, the wrong tenant, or the "
        "wrong cloud.",
        mitigation="Check the client id and tenant id the deployment runs with, and that `cloud` matches the "
        "tenant's cloud (public, usgovernment, china).",
        link=_AADSTS,
        retryable=False,
        service="entra",
        kind="authentication",
        codes=("700016",),
    ),
    Entry(
        key="entra-invalid-secret",
        title="The client secret is wrong (AADSTS7000215)",
        cause="The secret sent is not a valid secret of the application; often the secret's ID was copied "
        "instead of its value.",
        mitigation="Set ARM_CLIENT_SECRET to the secret's value (shown once when it is created), or better, "
        "use workload identity federation in CI (ARM_USE_OIDC=true) and no secret at all.",
        link=_AADSTS,
        retryable=False,
        service="entra",
        kind="authentication",
        codes=("7000215",),
    ),
    Entry(
        key="entra-secret-expired",
        title="The client secret has expired (AADSTS7000222)",
        cause="Every secret of the application used here is past its end date.",
        mitigation="Create a new secret (or rotate it with the stack's clientSecretRotation key) and update "
        "ARM_CLIENT_SECRET; prefer workload identity federation, which has nothing to expire.",
        link=_AADSTS,
        retryable=False,
        service="entra",
        kind="authentication",
        codes=("7000222",),
    ),
    Entry(
        key="entra-tenant-not-found",
        title="The tenant does not exist in this cloud (AADSTS90002)",
        cause="The tenant id or domain is wrong, or the tenant lives in another cloud than `cloud` says.",
        mitigation="Check tenantId / ARM_TENANT_ID (a GUID or a verified domain) and the stack's `cloud`.",
        link="https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud",
        retryable=False,
        service="entra",
        kind="authentication",
        codes=("90002",),
    ),
    Entry(
        key="entra-resource-not-found",
        title="No such resource in the tenant (AADSTS500011)",
        cause="The token was asked for a resource the tenant does not know: usually a Dataverse environment "
        "URL (dataverseUrl) that is mistyped, deleted, or belongs to another tenant.",
        mitigation="Check dataverseUrl against the Power Platform admin center (Environment URL) and "
        "that the environment belongs to this tenant.",
        link=_AADSTS,
        retryable=False,
        service="entra",
        kind="authentication",
        codes=("500011",),
    ),
    Entry(
        key="entra-federation-mismatch",
        title="No federated credential matches the presented token (AADSTS700213, 70021, 700211, 7002138)",
        cause="The CI token's issuer, subject or audience does not match a federated identity credential of "
        "the application. Subjects are compared case-sensitively, and a GitHub job that runs in an "
        "environment presents `repo:<org>/<repo>:environment:<name>`, not the branch subject.",
        mitigation="Compare the subject in the error with the application's federated credentials and add "
        "the exact subject (stack key githubOidcSubjects / azureDevOpsOidc); the audience must be "
        "api://AzureADTokenExchange.",
        link=_WIF,
        retryable=False,
        service="entra",
        kind="authentication",
        codes=("700213", "70021", "700211", "7002138"),
    ),
    Entry(
        key="entra-conditional-access",
        title="Blocked by Conditional Access (AADSTS53003)",
        cause="A Conditional Access policy for workload identities blocks this sign-in (for example from "
        "this network location).",
        mitigation="Ask a Conditional Access administrator to allow the deployer from the CI runners, or run "
        "from an allowed network.",
        link="https://learn.microsoft.com/entra/identity/conditional-access/workload-identity",
        retryable=False,
        service="entra",
        kind="authentication",
        codes=("53003",),
    ),
    Entry(
        key="entra-sign-in-failed",
        title="Sign-in failed for another reason (other AADSTS codes)",
        cause="Entra ID refused the token request with a code this catalogue has no entry for.",
        mitigation="Look the AADSTS code in the message up in the Entra error reference and fix the "
        "credential or the application registration it names.",
        link=_AADSTS,
        retryable=False,
        service="entra",
        kind="authentication",
    ),
    Entry(
        key="credentials-missing",
        title="No credentials for the deployer",
        cause="None of the native providers' credential variables is set (ARM_CLIENT_SECRET, "
        "ARM_CLIENT_CERTIFICATE_PATH, ARM_USE_OIDC, AZURE_FEDERATED_TOKEN_FILE) and the Azure CLI "
        "is not installed (or ARM_USE_CLI=false), or ARM_CLIENT_ID / ARM_TENANT_ID is missing.",
        mitigation="In CI set ARM_CLIENT_ID, ARM_TENANT_ID and ARM_USE_OIDC=true with the workflow's OIDC "
        "token; on an engineer's machine run `az login`. The stack's tenantId is used when no "
        "tenant variable is set.",
        link="https://learn.microsoft.com/azure/developer/github/connect-from-azure-openid-connect",
        retryable=False,
        service="entra",
        kind="authentication",
    ),
    Entry(
        key="federated-token-unavailable",
        title="The CI's federated token could not be read",
        cause="ARM_USE_OIDC=true (or AZURE_FEDERATED_TOKEN_FILE) is set but no token was found: the token "
        "file is missing or empty, or the OIDC request URL (ARM_OIDC_REQUEST_URL / GitHub's "
        "ACTIONS_ID_TOKEN_REQUEST_URL) failed.",
        mitigation="In GitHub Actions grant `permissions: id-token: write` to the job; elsewhere set "
        "ARM_OIDC_TOKEN or ARM_OIDC_TOKEN_FILE_PATH to the pipeline's ID token.",
        link="https://learn.microsoft.com/azure/developer/github/connect-from-azure-openid-connect",
        retryable=False,
        service="entra",
        kind="authentication",
    ),
    Entry(
        key="certificate-unreadable",
        title="The client certificate could not be loaded",
        cause="ARM_CLIENT_CERTIFICATE_PATH does not point to a readable PEM (private key and certificate) or "
        "PKCS#12 file, or ARM_CLIENT_CERTIFICATE_PASSWORD does not open it.",
        mitigation="Point ARM_CLIENT_CERTIFICATE_PATH at a .pem with both the private key and the "
        "certificate, or at a .pfx with its password in ARM_CLIENT_CERTIFICATE_PASSWORD.",
        link="https://learn.microsoft.com/entra/identity-platform/certificate-credentials",
        retryable=False,
        service="entra",
        kind="authentication",
    ),
    Entry(
        key="azure-cli-failed",
        title="The Azure CLI gave no token",
        cause="No service-principal credentials are set, so the Azure CLI login is used, and "
        "`az account get-access-token` failed: not logged in, the login expired, or the CLI is set "
        "to another cloud or tenant.",
        mitigation="Run `az login` (and `az cloud set` for a sovereign cloud); in CI use the ARM_* variables "
        "instead of the CLI.",
        link="https://learn.microsoft.com/cli/azure/authenticate-azure-cli",
        retryable=False,
        service="entra",
        kind="authentication",
    ),
    Entry(
        key="token-rejected",
        title="The API rejected a fresh token",
        cause="The service answered 401 twice, the second time to a token just issued: the deployer has no "
        "access to this API or environment (for Dataverse, no application user), or the token's "
        "audience is not the one the service expects (wrong dataverseUrl or cloud).",
        mitigation="Check that dataverseUrl is the environment's URL and that the deployer has an "
        "application user in it (Power Platform admin center > Application users).",
        link="https://learn.microsoft.com/power-platform/admin/manage-application-users",
        retryable=False,
        service="entra",
        kind="authentication",
    ),
)
