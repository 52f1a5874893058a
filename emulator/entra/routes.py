"""Entra ID over HTTP: tenant discovery, the signing keys and the v2.0 token endpoint (client credentials).

    GET  /{tenant}/v2.0/.well-known/openid-configuration
    GET  /{tenant}/discovery/v2.0/keys
    POST /{tenant}/oauth2/v2.0/token

`{tenant}` is a GUID or a verified domain. The discovery document names the emulator's own endpoints with
the tenant GUID, as the real one names login.microsoftonline.com, so msal posts its token requests here.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Optional

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..core.service import EmulatorContext, Service
from .directory import Directory, Tenant
from .errors import AadError, aad_response, error_body, json_no_store
from .models import ClientCredentialsGrant, TokenRequest
from .seed import load_directory


class EntraService(Service):
    name = "entra"
    # The catch-all of tenant paths, limited to the shapes Entra serves so other paths stay unowned.
    prefix = r"^/[^/]+/(v2\.0/\.well-known/|discovery/|oauth2/)"

    def __init__(self, ctx: EmulatorContext) -> None:
        self.directory = Directory()
        self.grant = ClientCredentialsGrant(ctx, self.directory)
        super().__init__(ctx)

    def rules(self) -> list[Rule]:
        return [
            Rule("/<tenant>/v2.0/.well-known/openid-configuration", endpoint="discovery", methods=["GET"]),
            Rule("/<tenant>/discovery/v2.0/keys", endpoint="keys", methods=["GET"]),
            Rule("/<tenant>/oauth2/v2.0/token", endpoint="token", methods=["POST"]),
        ]

    # --- lifecycle ---------------------------------------------------------------------------------
    def reset(self) -> None:
        self.directory.clear()

    def seed(self, fixture: dict) -> None:
        if "directory" in fixture:
            load_directory(self.directory, fixture["directory"], self.ctx.keyring, self.ctx.clock.now())

    def dump(self) -> dict:
        return self.directory.dump()

    # --- handlers ----------------------------------------------------------------------------------
    def discovery(self, request: Request, tenant: str) -> Response:
        try:
            found = self.grant.tenant(tenant)
        except AadError as exc:
            return aad_response(exc, self.ctx.clock.now(), request.headers.get("client-request-id"))
        return Response(
            json.dumps(self._discovery_document(found)),
            status=200,
            headers={"Cache-Control": "max-age=86400, private"},
            content_type="application/json; charset=utf-8",
        )

    def keys(self, request: Request, tenant: str) -> Response:
        try:
            self.grant.tenant(tenant)
        except AadError as exc:
            return aad_response(exc, self.ctx.clock.now())
        return Response(
            json.dumps(self.ctx.tokens.jwks()),
            status=200,
            headers={"Cache-Control": "max-age=86400, private"},
            content_type="application/json; charset=utf-8",
        )

    def token(self, request: Request, tenant: str) -> Response:
        correlation = request.headers.get("client-request-id")
        form = request.form
        basic_id, basic_secret = _basic_credentials(request)
        client_id = form.get("client_id") or basic_id
        self.set_caller(request, client_id.lower() if client_id else None)
        try:
            found = self.grant.tenant(tenant)
            issued = self.grant.issue(
                found,
                TokenRequest(
                    grant_type=form.get("grant_type"),
                    client_id=client_id,
                    scope=form.get("scope"),
                    client_secret=form.get("client_secret") or basic_secret,
                    client_assertion=form.get("client_assertion"),
                    client_assertion_type=form.get("client_assertion_type"),
                ),
                self._token_endpoints(found),
            )
        except AadError as exc:
            return aad_response(exc, self.ctx.clock.now(), correlation)
        return json_no_store(
            200,
            {
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "ext_expires_in": issued.expires_in,
                "access_token": issued.access_token,
            },
        )

    # --- wire shapes -------------------------------------------------------------------------------
    def error(self, status: int, code: str, message: str, *, retry_after: Optional[int] = None) -> Response:
        """Entra's body for answers outside the catalogue (no route, injected faults, a crash)."""
        oauth_error = "temporarily_unavailable" if status == 429 or status >= 500 else "invalid_request"
        body = error_body(oauth_error, f"{code}: {message}", [], self.ctx.clock.now())
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return json_no_store(status, body, headers)

    def _discovery_document(self, tenant: Tenant) -> dict:
        base = f"{self.ctx.base_url}/{tenant.id}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.ctx.base_url}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "nonce",
                "tid",
                "ver",
            ],
            "kerberos_endpoint": f"{base}/kerberos",
            "tenant_region_scope": "WW",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }

    def _token_endpoints(self, tenant: Tenant) -> list[str]:
        """What a certificate assertion's `aud` may name: this endpoint by tenant GUID or domain (v2 or
        v1)."""
        names = [tenant.id, *tenant.domains]
        return [f"{self.ctx.base_url}/{n}/oauth2/{v}token" for n in names for v in ("v2.0/", "")]


def _basic_credentials(request: Request) -> tuple[Optional[str], Optional[str]]:
    """client_id and client_secret from HTTP Basic (RFC 6749 §2.3.1: form-encoded before base64)."""
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return None, None
    return (
        urllib.parse.unquote_plus(auth.username or "") or None,
        urllib.parse.unquote_plus(auth.password or "") or None,
    )
