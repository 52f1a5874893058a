"""Dataverse errors in their wire shape: `{"error": {"code": "0x…", "message": "…"}}` (reference §4.3).

`code` is the hex of the platform error and is not tied to the HTTP status; it is "0x0" for OData parser
errors and "" for some routing errors, as the documented examples show. The `@Microsoft.PowerApps.CDS.*`
annotations appear only when the request's `Prefer: odata.include-annotations` asks for them.

Sources: Dataverse web-service error codes [D: DV-errcodes]; "Troubleshoot Web API client errors" and
"Perform conditional operations" (MicrosoftDocs) for the parser, routing and concurrency messages [D];
community reports for the privilege message layout, 0x80072560 with 403, and "Cannot insert duplicate key."
on an associate of an existing pair [C]. Everything marked [I] is our own choice.
"""

from __future__ import annotations

import fnmatch
import json
import uuid
from typing import Optional

from werkzeug.wrappers import Response

CONTENT_TYPE = "application/json; odata.metadata=minimal; charset=utf-8"
HELP_LINK = (
    "http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a{code}&client=platform"
)


class DataverseError(Exception):
    """An answer other than success; `name` is the platform's error name (used in annotations)."""

    def __init__(
        self, status: int, code: str, message: str, name: str = "", *, retry_after: Optional[int] = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.name = name
        self.retry_after = retry_after

    def body(self, annotation_patterns: tuple[str, ...] = ()) -> dict:
        error: dict = {"code": self.code, "message": self.message}
        annotations = {
            "@Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionMessageName": self.name,
            "@Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionHttpStatusCode": str(self.status),
            "@Microsoft.PowerApps.CDS.HelpLink": HELP_LINK.format(code=self.code[2:] if self.code else ""),
            "@Microsoft.PowerApps.CDS.InnerError.Message": self.message,
        }
        for key, value in annotations.items():
            if any(fnmatch.fnmatchcase(key[1:], pattern) for pattern in annotation_patterns):
                error[key] = value
        return {"error": error}

    def response(self, annotation_patterns: tuple[str, ...] = ()) -> Response:
        headers = {"OData-Version": "4.0", "REQ_ID": str(uuid.uuid4())}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return Response(
            json.dumps(self.body(annotation_patterns)),
            status=self.status,
            headers=headers,
            content_type=CONTENT_TYPE,
        )


# --- routing and OData parsing --------------------------------------------------------------------------
def segment_not_found(segment: str) -> DataverseError:
    return DataverseError(
        404, "0x8006088a", f"Resource not found for the segment '{segment}'.", "ResourceNotFoundForSegment"
    )


def no_http_resource(url: str) -> DataverseError:
    return DataverseError(404, "", f"No HTTP resource was found that matches the request URI '{url}'.")


def property_not_found(name: str, type_name: str) -> DataverseError:
    return DataverseError(400, "0x0", f"Could not find a property named '{name}' on type '{type_name}'.")


def bad_query(message: str) -> DataverseError:
    """A malformed query option or key (the OData parser's 400) [I: message wording]."""
    return DataverseError(400, "0x0", message)


def incompatible_types(left: str, right: str, operator: str) -> DataverseError:
    message = (
        "A binary operator with incompatible types was detected. Found operand types "
        f"'{left}' and '{right}' for operator kind '{operator}'."
    )
    return DataverseError(400, "0x0", message)


def invalid_body_property(name: str, type_name: str) -> DataverseError:
    message = (
        "An error occurred while validating input parameters: Microsoft.Crm.CrmException: Invalid "
        f"property '{name}' was found in entity '{type_name}'. ---> Microsoft.OData.ODataException: "
        "Does not support untyped value in non-open type."
    )
    return DataverseError(400, "0x0", message)


def undeclared_bind(navigation: str, entity_set: str) -> DataverseError:
    message = (
        f"Error identified in Payload provided by the user for Entity :'{entity_set}'  ---->  "
        "InnerException : Microsoft.OData.ODataException: An undeclared property "
        f"'{navigation}' which only has property annotations in the payload but no property value was "
        "found in the payload. In OData, only declared navigation properties and declared named "
        "streams can be represented as properties without values."
    )
    return DataverseError(400, "0x80048d19", message)


def bad_value(name: str, value: object, edm_type: str) -> DataverseError:
    message = (
        f"Cannot convert the literal '{value}' to the expected type '{edm_type}' for the property '{name}'."
    )
    return DataverseError(400, "0x0", message)


def bad_body(message: str) -> DataverseError:
    return DataverseError(400, "0x80048d19", f"Error identified in Payload provided by the user: {message}")


# --- records ---------------------------------------------------------------------------------------------
def object_does_not_exist(logical_name: str, record_id: str) -> DataverseError:
    return DataverseError(
        404, "0x80040217", f"{logical_name} With Id = {record_id} Does Not Exist", "ObjectDoesNotExist"
    )


def duplicate_record() -> DataverseError:
    return DataverseError(
        412, "0x80040237", "A record with matching key values already exists.", "DuplicateRecord"
    )


def duplicate_association() -> DataverseError:
    return DataverseError(412, "0x80040237", "Cannot insert duplicate key.", "DuplicateRecord")


def concurrency_mismatch() -> DataverseError:
    message = "The version of the existing record doesn't match the RowVersion property provided."
    return DataverseError(412, "0x80060882", message, "ConcurrencyVersionMismatch")


def required_field_missing(attribute: str, logical_name: str) -> DataverseError:
    """[I] The code is documented (RequiredFieldMissing); the wording is ours."""
    message = f"The field '{attribute}' is required for an entity of type '{logical_name}' and has no value."
    return DataverseError(400, "0x80040200", message, "RequiredFieldMissing")


def value_out_of_range(
    attribute: str, logical_name: str, value: object, choices: tuple[int, ...]
) -> DataverseError:
    accepted = ",".join(str(c) for c in choices)
    message = (
        f"A validation error occurred. The value {value} of '{attribute}' on record of type "
        f"'{logical_name}' is outside the valid range. Accepted Values: {accepted}"
    )
    return DataverseError(400, "0x8004431a", message, "OptionSetValueOutOfRange")


def method_not_supported(method: str, logical_name: str) -> DataverseError:
    message = (
        f"The '{method}' method does not support entities of type '{logical_name}'. "
        "MessageProcessorCache returned MessageProcessor.Empty. "
    )
    return DataverseError(400, "0x80040800", message, "SdkEntityDoesNotSupportMessage")


def duplicate_application_user(application_id: str) -> DataverseError:
    message = f"You are attempting to create an Application ID = {application_id} that already exists."
    return DataverseError(400, "0x8004F511", message, "DuplicateApplicationUser")


def application_user_cannot_be_updated() -> DataverseError:
    message = "The user representing an OAuth application cannot not be updated"  # sic, as documented
    return DataverseError(400, "0x80041d48", message, "ApplicationUserCannotBeUpdated")


def user_in_wrong_business(user_id: str, user_bu: str, role_id: str, role_bu: str) -> DataverseError:
    message = (
        "Cannot associate security role because the security role's Business Unit is not the same as "
        f"the user's Business Unit. Details: userid={user_id}, userBU={user_bu}, roleId={role_id}, "
        f"roleBU={role_bu}"
    )
    return DataverseError(400, "0x80041409", message, "UserInWrongBusiness")


def bot_not_provisioned(schema_name: str, status: str) -> DataverseError:
    """[I] The publish of a bot that is not provisioned; Microsoft does not document this answer."""
    message = (
        f"The bot '{schema_name}' cannot be published because it is {status}. Provision the bot "
        "before publishing it."
    )
    return DataverseError(400, "0x80040203", message, "InvalidArgument")


# --- callers ---------------------------------------------------------------------------------------------
def privilege_denied(
    *,
    user_id: str,
    role_count: int,
    privilege_count: int,
    object_id: str,
    business_unit: str,
    privilege: str,
    privilege_id: str,
    otc: int,
    logical_name: str,
    display_name: str,
) -> DataverseError:
    message = (
        f"Principal user (Id={user_id}, type=8, roleCount={role_count}, "
        f"privilegeCount={privilege_count}, accessMode='4 Non-interactive', "
        f"AADObjectId='{object_id}', businessUnitId={business_unit}), is missing {privilege} "
        f"privilege (Id={privilege_id}) on OTC={otc} for entity '{logical_name}' "
        f"(LocalizedName='{display_name}'). context.Caller={user_id}. Consider adding missed "
        "privilege to one of the principal (user/team) roles."
    )
    return DataverseError(403, "0x80040220", message, "PrivilegeDenied")


def user_not_member() -> DataverseError:
    return DataverseError(
        403, "0x80072560", "The user is not a member of the organization.", "UserNotMemberOfOrg"
    )


def user_disabled(user_id: str, organization_id: str) -> DataverseError:
    message = (
        f"The user with SystemUserId={user_id} in OrganizationContext={organization_id} is disabled. "
        "Disabled users cannot access the system. Consider enabling this user. Also, users are "
        "disabled if they don't have a license assigned to them."
    )
    return DataverseError(403, "0x80040225", message, "unManagedidsusernotenabled")


# --- service protection (reference §4.4) ----------------------------------------------------------------
SERVICE_PROTECTION = {
    "0x80072322": "Number of requests exceeded the limit of {allowed} over time window of {window} seconds.",
    "0x80072321": "Combined execution time of incoming requests exceeded limit of {allowed} milliseconds "
    "over time window of {window} seconds. Decrease number of concurrent requests or reduce "
    "the duration of requests and try again later.",
    "0x80072326": "Number of concurrent requests exceeded the limit of {allowed}.",
}


def throttled(code: str, allowed: int, window: float, retry_after: int) -> DataverseError:
    message = SERVICE_PROTECTION[code].format(
        allowed=f"{allowed:,}" if code == "0x80072321" else allowed, window=int(window)
    )
    return DataverseError(429, code, message, "ServiceProtectionLimitExceeded", retry_after=retry_after)
