"""Graph's JSON for directory objects and the rules for the properties a client may write.

The directory keeps only what was written; the defaults Graph fills in are added when an object is shown
(reference §2.1: the create response is the full object).
"""

from __future__ import annotations

import copy
from typing import Iterable, Optional

from ..core.clock import iso
from ..entra.directory import (
    Application,
    FederatedCredential,
    KeyCredential,
    PasswordCredential,
    ServicePrincipal,
    Tenant,
)
from .errors import bad_request

SIGN_IN_AUDIENCES = (
    "AzureADMyOrg",
    "AzureADMultipleOrgs",
    "AzureADandPersonalMicrosoftAccount",
    "PersonalMicrosoftAccount",
)
APPLICATION_DEFAULTS: dict = {
    "displayName": None,
    "description": None,
    "notes": None,
    "uniqueName": None,
    "signInAudience": "AzureADandPersonalMicrosoftAccount",
    "identifierUris": [],
    "tags": [],
    "groupMembershipClaims": None,
    "isFallbackPublicClient": None,
    "isDeviceOnlyAuthSupported": None,
    "serviceManagementReference": None,
    "tokenEncryptionKeyId": None,
    "defaultRedirectUri": None,
    "samlMetadataUrl": None,
    "optionalClaims": None,
    "addIns": [],
    "appRoles": [],
    "api": {
        "acceptMappedClaims": None,
        "knownClientApplications": [],
        "requestedAccessTokenVersion": None,
        "oauth2PermissionScopes": [],
        "preAuthorizedApplications": [],
    },
    "info": {
        "logoUrl": None,
        "marketingUrl": None,
        "privacyStatementUrl": None,
        "supportUrl": None,
        "termsOfServiceUrl": None,
    },
    "publicClient": {"redirectUris": []},
    "requiredResourceAccess": [],
    "spa": {"redirectUris": []},
    "web": {
        "homePageUrl": None,
        "logoutUrl": None,
        "redirectUris": [],
        "implicitGrantSettings": {"enableAccessTokenIssuance": False, "enableIdTokenIssuance": False},
    },
    "parentalControlSettings": {"countriesBlockedForMinors": [], "legalAgeGroupRule": "Allow"},
}
# Accepted and shown, but not modelled further (no default).
APPLICATION_EXTRA = {
    "logo",
    "requestSignatureVerification",
    "servicePrincipalLockConfiguration",
    "nativeAuthenticationApisEnabled",
    "authenticationBehaviors",
}
READ_ONLY = {
    "id",
    "appId",
    "createdDateTime",
    "publisherDomain",
    "deletedDateTime",
    "verifiedPublisher",
    "certification",
    "disabledByMicrosoftStatus",
    "@odata.context",
    "@odata.type",
}
SERVICE_PRINCIPAL_WRITABLE = {
    "appId",
    "accountEnabled",
    "appRoleAssignmentRequired",
    "description",
    "notes",
    "tags",
    "homepage",
    "loginUrl",
    "logoutUrl",
    "notificationEmailAddresses",
    "preferredSingleSignOnMode",
    "servicePrincipalNames",
}


def application_properties(body: dict, *, creating: bool, current: Optional[dict] = None) -> dict:
    """The writable properties of a create or PATCH body, validated the way Graph refuses them."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    changes = {}
    for key, value in body.items():
        if key in READ_ONLY or key.endswith("@odata.bind"):
            continue  # Graph ignores read-only fields; owner binds are implied by the caller (OwnedBy)
        if key in ("passwordCredentials", "federatedIdentityCredentials"):
            method = (
                "addPassword"
                if key == "passwordCredentials"
                else "the federatedIdentityCredentials collection"
            )
            raise bad_request(
                f"Property '{key}' cannot be set on an application in this request; use {method}."
            )
        if key != "keyCredentials" and key not in APPLICATION_DEFAULTS and key not in APPLICATION_EXTRA:
            raise bad_request(
                f"Property '{key}' does not exist as a declared property or extension property."
            )
        changes[key] = value
    if creating and not (isinstance(changes.get("displayName"), str) and changes["displayName"].strip()):
        raise bad_request("Invalid value specified for property 'displayName' of resource 'Application'.")
    if "displayName" in changes and not (isinstance(changes["displayName"], str) and changes["displayName"]):
        raise bad_request("Invalid value specified for property 'displayName' of resource 'Application'.")
    if "signInAudience" in changes and changes["signInAudience"] not in SIGN_IN_AUDIENCES:
        raise bad_request("Invalid value specified for property 'signInAudience' of resource 'Application'.")
    uris = changes.get("identifierUris", [])
    if not isinstance(uris, list) or not all(isinstance(u, str) and u for u in uris):
        raise bad_request("Invalid value specified for property 'identifierUris' of resource 'Application'.")
    if (
        current is not None
        and current.get("uniqueName")
        and changes.get("uniqueName", current["uniqueName"]) != current["uniqueName"]
    ):
        raise bad_request("Property 'uniqueName' is read-only once set and cannot be changed.")
    return changes


def password_json(credential: PasswordCredential, secret_text: Optional[str] = None) -> dict:
    return {
        "customKeyIdentifier": None,
        "displayName": credential.display_name,
        "endDateTime": iso(credential.end),
        "hint": credential.hint,
        "keyId": credential.key_id,
        "secretText": secret_text,
        "startDateTime": iso(credential.start),
    }


def key_json(credential: KeyCredential) -> dict:
    return {
        "customKeyIdentifier": credential.sha1.upper(),
        "displayName": credential.display_name,
        "endDateTime": iso(credential.end),
        "key": None,
        "keyId": credential.key_id,
        "startDateTime": iso(credential.start),
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
    }


def fic_json(credential: FederatedCredential, base: str, app: Application) -> dict:
    return {
        "@odata.context": (
            f"{base}/v1.0/$metadata#applications('{app.id}')/federatedIdentityCredentials/$entity"
        ),
        "id": credential.id,
        "name": credential.name,
        "issuer": credential.issuer,
        "subject": credential.subject,
        "description": credential.description,
        "audiences": list(credential.audiences),
    }


def application_json(
    app: Application, tenant: Optional[Tenant], base: str, select: Optional[list] = None, context: bool = True
) -> dict:
    shown = copy.deepcopy(APPLICATION_DEFAULTS)
    shown.update(copy.deepcopy(app.properties))
    shown.update(
        {
            "id": app.id,
            "appId": app.app_id,
            "createdDateTime": iso(app.created),
            "deletedDateTime": None,
            "publisherDomain": tenant.default_domain if tenant else None,
            "passwordCredentials": [password_json(p) for p in app.passwords],
            "keyCredentials": [key_json(k) for k in app.keys],
        }
    )
    return _finish(shown, "applications", base, select, context)


def service_principal_json(
    sp: ServicePrincipal,
    app: Optional[Application],
    base: str,
    select: Optional[list] = None,
    context: bool = True,
) -> dict:
    app_properties = app.properties if app else {}
    shown = {
        "accountEnabled": True,
        "appRoleAssignmentRequired": False,
        "description": None,
        "notes": None,
        "tags": [],
        "homepage": None,
        "loginUrl": None,
        "logoutUrl": None,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": None,
        "appRoles": [],
        "keyCredentials": [],
        "passwordCredentials": [],
    }
    shown.update(copy.deepcopy(sp.properties))
    shown.update(
        {
            "id": sp.id,
            "appId": sp.app_id,
            "appDisplayName": app_properties.get("displayName"),
            "displayName": sp.properties.get("displayName") or app_properties.get("displayName"),
            "appOwnerOrganizationId": sp.tenant_id,
            "servicePrincipalType": "Application",
            "signInAudience": app_properties.get("signInAudience", "AzureADMyOrg"),
            "createdDateTime": iso(sp.created),
            "deletedDateTime": None,
            "servicePrincipalNames": sorted({sp.app_id, *app_properties.get("identifierUris", [])}),
        }
    )
    return _finish(shown, "servicePrincipals", base, select, context)


def collection(items: Iterable[dict], entity_set: str, base: str) -> dict:
    return {"@odata.context": f"{base}/v1.0/$metadata#{entity_set}", "value": list(items)}


def _finish(shown: dict, entity_set: str, base: str, select: Optional[list], context: bool) -> dict:
    if select:
        shown = {k: v for k, v in shown.items() if k in select or k == "id"}
    if context:
        return {"@odata.context": f"{base}/v1.0/$metadata#{entity_set}/$entity", **shown}
    return shown
