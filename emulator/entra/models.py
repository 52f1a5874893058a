"""The client-credentials grant: who the caller is, whether its credential holds, which resource it wants.

Three credentials, as Entra accepts them (reference §1.1): a client secret; a certificate assertion
(private_key_jwt: a JWT the app signs itself, iss = sub = client id, aud = the token endpoint, the
certificate named by its x5t or x5t#S256 thumbprint); a federated assertion (an external issuer's ID token
that must match one of the app's federated identity credentials on issuer, subject - case-sensitively -
and audience). Assertion lifetimes are judged by the wall clock (see core/keyring.py); everything the
directory holds (secret expiry, certificate validity) by the emulator clock.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import time
from typing import Iterable, Optional

import jwt
from cryptography import x509

from ..core.service import EmulatorContext
from .directory import Application, Directory, ServicePrincipal, Tenant
from .errors import AadError, timestamp

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEFAULT_SUFFIX = "/.default"
CLOCK_SKEW = 300  # seconds of not-before leeway, as token validators commonly allow


@dataclasses.dataclass(frozen=True)
class TokenRequest:
    """The fields of a token POST (form body, or HTTP Basic for the client id and secret)."""

    grant_type: Optional[str]
    client_id: Optional[str]
    scope: Optional[str]
    client_secret: Optional[str] = None
    client_assertion: Optional[str] = None
    client_assertion_type: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    app_id: str


class ClientCredentialsGrant:
    """Issues app-only tokens from the directory; raises AadError with the code Entra would answer."""

    def __init__(self, ctx: EmulatorContext, directory: Directory) -> None:
        self.ctx = ctx
        self.directory = directory

    def tenant(self, ref: str) -> Tenant:
        tenant = self.directory.tenant(ref)
        if tenant is None:
            raise AadError(90002, tenant=ref)
        return tenant

    def issue(self, tenant: Tenant, request: TokenRequest, token_endpoints: Iterable[str]) -> IssuedToken:
        for name in ("grant_type", "client_id", "scope"):
            if not getattr(request, name):
                raise AadError(900144, parameter=name)
        if request.grant_type != "client_credentials":
            raise AadError(70003, grant_type=request.grant_type or "")
        client_id = request.client_id.strip().lower()
        with self.directory.lock:
            app = self.directory.application(tenant.id, app_id=client_id)
            if app is None:
                raise AadError(700016, app_id=request.client_id, tenant_name=tenant.display_name)
            sp = self.directory.service_principal(tenant.id, app_id=app.app_id)
            if sp is None:
                raise AadError(7000229, app_id=app.app_id, tenant_id=tenant.id)
            self._authenticate(app, request, {u.rstrip("/").lower() for u in token_endpoints})
            audience = self._resource(request.scope, tenant)
            return self._mint(tenant, app, sp, audience)

    # --- credentials -------------------------------------------------------------------------------
    def _authenticate(self, app: Application, request: TokenRequest, token_endpoints: set[str]) -> None:
        if request.client_secret:
            credential = app.password_matching(request.client_secret)
            if credential is None:
                raise AadError(7000215, app_id=app.app_id)
            if credential.end <= self.ctx.clock.now():
                raise AadError(7000222, app_id=app.app_id)
            return
        if not request.client_assertion:
            raise AadError(7000218)
        if not request.client_assertion_type:
            raise AadError(900144, parameter="client_assertion_type")
        if request.client_assertion_type != CLIENT_ASSERTION_TYPE:
            raise AadError(
                50027, detail=f"Unsupported client_assertion_type '{request.client_assertion_type}'."
            )
        try:
            header = jwt.get_unverified_header(request.client_assertion)
            claims = jwt.decode(request.client_assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AadError(50027, detail="The client assertion is not a JWT.") from None
        if str(claims.get("iss", "")).lower() == app.app_id:
            self._check_certificate_assertion(app, request.client_assertion, header, claims, token_endpoints)
        else:
            self._check_federated_assertion(app, request.client_assertion, claims)

    def _check_certificate_assertion(
        self, app: Application, assertion: str, header: dict, claims: dict, token_endpoints: set[str]
    ) -> None:
        sha256, sha1 = _thumbprint(header.get("x5t#S256")), _thumbprint(header.get("x5t"))
        if not (sha256 or sha1):
            raise AadError(
                50027, detail="Invalid JWT token. No certificate thumbprint specified in token header."
            )
        shown = (sha1 or sha256 or "").upper()
        key = app.key_with_thumbprint(sha1, sha256)
        if key is None:
            raise AadError(700027, reason="The key was not found.", thumbprint=shown, app_id=app.app_id)
        if not key.start <= self.ctx.clock.now() < key.end:
            raise AadError(
                700027,
                reason="The key was found, but it is not within its validity period.",
                thumbprint=shown,
                app_id=app.app_id,
            )
        public_key = x509.load_der_x509_certificate(key.der).public_key()
        try:
            jwt.decode(
                assertion,
                public_key,
                algorithms=["RS256", "PS256"],
                options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            raise AadError(
                700027,
                reason="The provided signature value did not match the expected signature value.",
                thumbprint=shown,
                app_id=app.app_id,
            ) from None
        audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
        if not any(isinstance(a, str) and a.rstrip("/").lower() in token_endpoints for a in audiences):
            raise AadError(700023)
        if str(claims.get("sub", "")).lower() != app.app_id:
            raise AadError(50027, detail="The sub claim of a client assertion must be the client id.")
        self._check_lifetime(claims)

    def _check_federated_assertion(self, app: Application, assertion: str, claims: dict) -> None:
        issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
        audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [str(claims.get("aud", ""))]
        if not self.ctx.keyring.verify_external(assertion):
            raise AadError(
                700027,
                reason="The signature could not be verified with the issuer's keys.",
                thumbprint="",
                app_id=app.app_id,
            )
        self._check_lifetime(claims)
        if not app.federated:
            raise AadError(70021, issuer=issuer, subject=subject, audience=",".join(audiences))
        same_issuer = [f for f in app.federated if f.issuer == issuer]
        if not same_issuer:
            raise AadError(700211, issuer=issuer)
        same_subject = [f for f in same_issuer if f.subject == subject]
        if not same_subject:
            folded = any(f.subject.lower() == subject.lower() for f in same_issuer)
            raise AadError(7002138 if folded else 700213, subject=subject)
        if not any(a in f.audiences for f in same_subject for a in audiences):
            raise AadError(700212, audience=",".join(audiences))

    @staticmethod
    def _check_lifetime(claims: dict) -> None:
        now = time.time()
        expires, not_before = claims.get("exp"), claims.get("nbf", 0)
        if not isinstance(expires, (int, float)) or expires <= now or not_before > now + CLOCK_SKEW:
            raise AadError(
                700024,
                now=timestamp(now),
                not_before=timestamp(float(not_before or 0)),
                expires=timestamp(float(expires or 0)),
            )

    # --- the resource ------------------------------------------------------------------------------
    def _resource(self, scope: str, tenant: Tenant) -> str:
        scopes = scope.split()
        if not scopes:
            raise AadError(900144, parameter="scope")
        if any(not s.endswith(DEFAULT_SUFFIX) for s in scopes):
            raise AadError(1002012 if len(scopes) == 1 else 70011, scope=scope)
        resources = {s[: -len(DEFAULT_SUFFIX)].rstrip("/").lower() for s in scopes}
        if len(resources) > 1:
            raise AadError(70011, scope=scope)
        wanted = resources.pop()
        served = self._served_audiences()
        if wanted not in served:
            raise AadError(500011, resource=scopes[0][: -len(DEFAULT_SUFFIX)], tenant_name=tenant.id)
        return served[wanted]

    def _served_audiences(self) -> dict[str, str]:
        """Canonical (lower-case, no trailing slash) -> the audience as the owning service spells it."""
        return {
            a.rstrip("/").lower(): a for service in self.ctx.services.values() for a in service.audiences()
        }

    def _mint(self, tenant: Tenant, app: Application, sp: ServicePrincipal, audience: str) -> IssuedToken:
        lifetime = int(self.ctx.config.token_lifetime)
        token, _ = self.ctx.tokens.mint(
            audience=audience,
            tenant_id=tenant.id,
            app_id=app.app_id,
            object_id=sp.id,
            roles=sp.roles_for(audience),
            lifetime=lifetime,
        )
        return IssuedToken(access_token=token, expires_in=lifetime, app_id=app.app_id)


def _thumbprint(value) -> Optional[str]:
    """Hex of a base64url x5t / x5t#S256 header value; None when absent or not base64url."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()
    except (binascii.Error, ValueError):
        return None
