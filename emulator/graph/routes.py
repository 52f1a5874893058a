"""Microsoft Graph v1.0 over HTTP: applications, their secrets and federated credentials, service principals.

Objects are addressed as `/applications/{id}` or `/applications(appId='…')` (and `(uniqueName='…')`, the
upsert key); both forms reach the same handler with `ref` holding the id or the `key='value'` text.
Every request is authenticated first: a Graph token (aud https://graph.microsoft.com) that has not expired.
"""

from __future__ import annotations

import json
from typing import Optional

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..core.faults import Fault
from ..core.service import EmulatorContext, Service
from ..core.tokens import TokenError, bearer_token
from .access import Caller
from .credentials import CredentialModel
from .errors import GraphError, error_body, graph_response
from .models import GraphModel, parse_ref
from .shapes import application_json, collection, fic_json, password_json, service_principal_json

GRAPH_AUDIENCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
_WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    f'client_id="{GRAPH_APP_ID}"'
)
_FAULTS = {
    429: ("TooManyRequests", "Too many requests."),
    500: ("generalException", "An internal error occurred."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable."),
}


def _both_forms(collection_path: str, suffix: str, endpoint: str, methods: list[str]) -> list[Rule]:
    """The id form and the alternate-key form of one object route."""
    return [
        Rule(f"{collection_path}/<ref>{suffix}", endpoint=endpoint, methods=methods),
        Rule(f"{collection_path}(<ref>){suffix}", endpoint=endpoint, methods=methods),
    ]


class GraphService(Service):
    name = "graph"
    prefix = r"^/v1\.0/"

    def __init__(self, ctx: EmulatorContext) -> None:
        super().__init__(ctx)
        self._model: Optional[GraphModel] = None

    @property
    def model(self) -> GraphModel:
        """Built on first use: the directory belongs to the Entra service, registered after this one."""
        if self._model is None:
            self._model = GraphModel(self.ctx, self.ctx.services["entra"].directory)
        return self._model

    @property
    def credentials(self) -> CredentialModel:
        return CredentialModel(self.model)

    def rules(self) -> list[Rule]:
        apps, fics, sps = "/v1.0/applications", "/federatedIdentityCredentials", "/v1.0/servicePrincipals"
        return [
            Rule(apps, endpoint="list_applications", methods=["GET"]),
            Rule(apps, endpoint="create_application", methods=["POST"]),
            *_both_forms(apps, "", "get_application", ["GET"]),
            *_both_forms(apps, "", "patch_application", ["PATCH"]),
            *_both_forms(apps, "", "delete_application", ["DELETE"]),
            *_both_forms(apps, "/addPassword", "add_password", ["POST"]),
            *_both_forms(apps, "/removePassword", "remove_password", ["POST"]),
            *_both_forms(apps, fics, "list_federated", ["GET"]),
            *_both_forms(apps, fics, "create_federated", ["POST"]),
            *_both_forms(apps, fics + "/<fic>", "get_federated", ["GET"]),
            *_both_forms(apps, fics + "(<fic>)", "get_federated", ["GET"]),
            *_both_forms(apps, fics + "/<fic>", "update_federated", ["PATCH"]),
            *_both_forms(apps, fics + "(<fic>)", "update_federated", ["PATCH"]),
            *_both_forms(apps, fics + "/<fic>", "delete_federated", ["DELETE"]),
            *_both_forms(apps, fics + "(<fic>)", "delete_federated", ["DELETE"]),
            Rule(sps, endpoint="list_service_principals", methods=["GET"]),
            Rule(sps, endpoint="create_service_principal", methods=["POST"]),
            *_both_forms(sps, "", "get_service_principal", ["GET"]),
            *_both_forms(sps, "", "delete_service_principal", ["DELETE"]),
        ]

    def audiences(self) -> set[str]:
        return {GRAPH_AUDIENCE}

    def reset(self) -> None:
        self.model.lag.clear()

    def dump(self) -> dict:
        return {**self.model.directory.dump(), "replicating": self.model.lag.pending()}

    # --- dispatch: authenticate, then route; GraphError becomes Graph's error body ------------------
    def handle(self, request: Request) -> Response:
        try:
            request.environ["graph.caller"] = self._authenticate(request)
            try:
                endpoint, values = self.url_map.bind_to_environ(request.environ).match()
            except NotFound:
                segment = request.path.rstrip("/").rsplit("/", 1)[-1]
                raise GraphError(
                    400, "BadRequest", f"Resource not found for the segment '{segment}'."
                ) from None
            except MethodNotAllowed:
                raise GraphError(
                    405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri."
                ) from None
            return getattr(self, endpoint)(request, **values)
        except GraphError as exc:
            headers = {"WWW-Authenticate": _WWW_AUTHENTICATE} if exc.status == 401 else None
            return graph_response(
                exc.status,
                error_body(
                    exc.code,
                    exc.message,
                    self.ctx.clock.now(),
                    request.headers.get("client-request-id"),
                    exc.details,
                ),
                client_request_id=request.headers.get("client-request-id"),
                headers=headers,
            )

    def _authenticate(self, request: Request) -> Caller:
        token = bearer_token(request.headers.get("Authorization"))
        try:
            claims = self.ctx.tokens.verify(token)
        except TokenError as exc:
            message = {
                TokenError.MISSING: "Access token is empty.",
                TokenError.EXPIRED: "Lifetime validation failed, the token is expired.",
            }.get(exc.reason, "Access token validation failure.")
            raise GraphError(401, "InvalidAuthenticationToken", message) from None
        self.set_caller(request, claims.app_id)
        if claims.audience.rstrip("/") not in (GRAPH_AUDIENCE, GRAPH_APP_ID):
            raise GraphError(
                401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience."
            )
        return Caller(
            app_id=claims.app_id, object_id=claims.object_id, tenant_id=claims.tenant_id, roles=claims.roles
        )

    def error(self, status: int, code: str, message: str, *, retry_after: Optional[int] = None) -> Response:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return graph_response(status, error_body(code, message, self.ctx.clock.now()), headers=headers)

    def fault_response(self, fault: Fault) -> Response:
        code, message = _FAULTS.get(fault.status, ("generalException", f"HTTP {fault.status}."))
        retry_after = (
            fault.retry_after
            if fault.retry_after is not None
            else (self.ctx.config.retry_after if fault.status in (429, 503) else None)
        )
        return self.error(fault.status, fault.code or code, message, retry_after=retry_after)

    # --- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _caller(request: Request) -> Caller:
        return request.environ["graph.caller"]

    @staticmethod
    def _body(request: Request):
        try:
            return json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            raise GraphError(
                400,
                "BadRequest",
                "Unable to read JSON request payload. Please ensure Content-Type "
                "header is set and payload is of valid JSON format.",
            ) from None

    def _ok(self, request: Request, status: int, body=None) -> Response:
        return graph_response(status, body, client_request_id=request.headers.get("client-request-id"))

    def _app_json(self, app, request: Optional[Request] = None) -> dict:
        select = (
            request.args.get("$select", "").split(",") if request and request.args.get("$select") else None
        )
        return application_json(app, self.model.directory.tenant(app.tenant_id), self.ctx.base_url, select)

    # --- applications ------------------------------------------------------------------------------
    def list_applications(self, request: Request) -> Response:
        apps = self.model.list_applications(self._caller(request), request.args.get("$filter"))
        items = [{k: v for k, v in self._app_json(a, request).items() if k != "@odata.context"} for a in apps]
        return self._ok(request, 200, collection(items, "applications", self.ctx.base_url))

    def create_application(self, request: Request) -> Response:
        app = self.model.create_application(self._caller(request), self._body(request))
        return self._ok(request, 201, self._app_json(app))

    def get_application(self, request: Request, ref: str) -> Response:
        return self._ok(
            request, 200, self._app_json(self.model.get_application(self._caller(request), ref), request)
        )

    def patch_application(self, request: Request, ref: str) -> Response:
        kind, value = parse_ref(ref)
        if kind == "uniqueName":
            create = "create-if-missing" in request.headers.get("Prefer", "").lower()
            created = self.model.upsert_application(self._caller(request), value, self._body(request), create)
            return self._ok(request, 201, self._app_json(created)) if created else self._ok(request, 204)
        self.model.patch_application(self._caller(request), ref, self._body(request))
        return self._ok(request, 204)

    def delete_application(self, request: Request, ref: str) -> Response:
        self.model.delete_application(self._caller(request), ref)
        return self._ok(request, 204)

    def add_password(self, request: Request, ref: str) -> Response:
        credential, text = self.credentials.add_password(self._caller(request), ref, self._body(request))
        body = {
            "@odata.context": f"{self.ctx.base_url}/v1.0/$metadata#microsoft.graph.passwordCredential",
            **password_json(credential, text),
        }
        return self._ok(request, 200, body)

    def remove_password(self, request: Request, ref: str) -> Response:
        self.credentials.remove_password(self._caller(request), ref, self._body(request))
        return self._ok(request, 204)

    # --- federated identity credentials ------------------------------------------------------------
    def list_federated(self, request: Request, ref: str) -> Response:
        app, items = self.credentials.list_federated(self._caller(request), ref)
        shown = [
            {k: v for k, v in fic_json(f, self.ctx.base_url, app).items() if k != "@odata.context"}
            for f in items
        ]
        return self._ok(
            request,
            200,
            collection(shown, f"applications('{app.id}')/federatedIdentityCredentials", self.ctx.base_url),
        )

    def create_federated(self, request: Request, ref: str) -> Response:
        app, credential = self.credentials.create_federated(self._caller(request), ref, self._body(request))
        return self._ok(request, 201, fic_json(credential, self.ctx.base_url, app))

    def get_federated(self, request: Request, ref: str, fic: str) -> Response:
        app, credential = self.credentials.get_federated(self._caller(request), ref, fic)
        return self._ok(request, 200, fic_json(credential, self.ctx.base_url, app))

    def update_federated(self, request: Request, ref: str, fic: str) -> Response:
        self.credentials.update_federated(self._caller(request), ref, fic, self._body(request))
        return self._ok(request, 204)

    def delete_federated(self, request: Request, ref: str, fic: str) -> Response:
        self.credentials.delete_federated(self._caller(request), ref, fic)
        return self._ok(request, 204)

    # --- service principals ------------------------------------------------------------------------
    def _sp_json(self, sp, request: Optional[Request] = None, context: bool = True) -> dict:
        select = (
            request.args.get("$select", "").split(",") if request and request.args.get("$select") else None
        )
        return service_principal_json(sp, self.model.application_of(sp), self.ctx.base_url, select, context)

    def list_service_principals(self, request: Request) -> Response:
        sps = self.model.list_service_principals(self._caller(request), request.args.get("$filter"))
        return self._ok(
            request,
            200,
            collection(
                [self._sp_json(s, request, context=False) for s in sps],
                "servicePrincipals",
                self.ctx.base_url,
            ),
        )

    def create_service_principal(self, request: Request) -> Response:
        sp = self.model.create_service_principal(self._caller(request), self._body(request))
        return self._ok(request, 201, self._sp_json(sp))

    def get_service_principal(self, request: Request, ref: str) -> Response:
        return self._ok(
            request,
            200,
            self._sp_json(self.model.find_service_principal(self._caller(request), ref), request),
        )

    def delete_service_principal(self, request: Request, ref: str) -> Response:
        self.model.delete_service_principal(self._caller(request), ref)
        return self._ok(request, 204)
