"""Catalogue entries for the Dataverse Web API (hex codes of the `error.code` field).

Codes: https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes
and the service protection limits (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits);
reference §4.3-§4.4.
"""

from __future__ import annotations

from . import Entry

_CODES = "https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes"
_LIMITS = "https://learn.microsoft.com/power-apps/developer/data-platform/api-limits"

ENTRIES: tuple[Entry, ...] = (
    Entry(
        key="dataverse-duplicate-application-user",
        title="An application user with this App ID already exists (0x8004F511 DuplicateApplicationUser)",
        cause="Application (client) ids are unique per Dataverse environment and a user with this one "
        "already exists.",
        mitigation="The stack adopts the existing user when it is the bot's; if it was created by hand for "
        "another purpose, use a separate app registration for the bot.",
        link=_CODES,
        retryable=False,
        service="dataverse",
        kind="conflict",
        codes=("0x8004f511",),
    ),
    Entry(
        key="dataverse-duplicate-record",
        title="The record or association already exists (0x80040237 DuplicateRecord)",
        cause="A row with the same key exists, or the N:N pair (role or queue membership) is already "
        "associated.",
        mitigation="Associations are treated as done; for other rows the stack looks the record up and "
        "adopts it. Re-run the deployment; if it persists, remove the duplicate by hand.",
        link="https://learn.microsoft.com/power-apps/developer/data-platform/webapi/"
        "associate-disassociate-entities-using-web-api",
        retryable=False,
        service="dataverse",
        kind="conflict",
        codes=("0x80040237", "0x80060892"),
    ),
    Entry(
        key="dataverse-record-not-found",
        title="The record does not exist (0x80040217 ObjectDoesNotExist)",
        cause="The row was deleted outside the stack, or the id belongs to another environment.",
        mitigation="Run `pulumi refresh` so the stack notices the deletion, then `pulumi up`.",
        link=_CODES,
        retryable=False,
        service="dataverse",
        kind="not_found",
        codes=("0x80040217",),
    ),
    Entry(
        key="dataverse-privilege-denied",
        title="The deployer lacks a Dataverse privilege (0x80040220 PrivilegeDenied)",
        cause="The deployer's application user has no security role granting this privilege in the "
        "environment.",
        mitigation="Give the deployer's application user the System Administrator role (or Omnichannel "
        "administrator plus System Customizer) in this environment.",
        link="https://learn.microsoft.com/power-platform/admin/security-roles-privileges",
        retryable=False,
        service="dataverse",
        kind="permission",
        codes=("0x80040220", "0x80048405"),
    ),
    Entry(
        key="dataverse-caller-not-in-environment",
        title="The deployer is not an enabled user of this environment (0x80072560, 0x80040225)",
        cause="The token is valid but the deployer's application has no application user in the "
        "environment named by dataverseUrl (0x80072560), or that user is disabled (0x80040225).",
        mitigation="Add the deployer's application as an application user with a security role in the "
        "environment (Power Platform admin center > Settings > Users + permissions).",
        link="https://learn.microsoft.com/power-platform/admin/manage-application-users",
        retryable=False,
        service="dataverse",
        kind="permission",
        codes=("0x80072560", "0x80040225"),
    ),
    Entry(
        key="dataverse-role-in-wrong-business-unit",
        title="The role belongs to another business unit than the user (0x80041409)",
        cause="Security roles are copied into every business unit and a user can only hold the copy of its "
        "own business unit; the bot user is not where the role is (often: not in the root business "
        "unit).",
        mitigation="Keep the bot user in the root business unit (the stack creates it there) and assign the "
        "role of that business unit.",
        link="https://learn.microsoft.com/power-platform/admin/security-roles-privileges",
        retryable=False,
        service="dataverse",
        kind="validation",
        codes=("0x80041409",),
    ),
    Entry(
        key="dataverse-service-protection",
        title="Dataverse service protection limit (429: 0x80072322, 0x80072321, 0x80072326)",
        cause="The deployer sent too many requests, too much combined execution time or too many "
        "concurrent requests within five minutes; Dataverse rejected the request without running it.",
        mitigation="The clients wait for Retry-After and resend; if the retry budget ran out, wait a few "
        "minutes and re-run, and do not run several deployments as the same application at once.",
        link=_LIMITS,
        retryable=True,
        service="dataverse",
        kind="throttled",
        codes=("0x80072322", "0x80072321", "0x80072326"),
    ),
)
