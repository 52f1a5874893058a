"""HTTP of the Dataverse Web API v9.2: authentication, service protection, then one handler per method
that turns the OData path into a models.api call and the result into a response.

Order per request, as the real service behaves: token (401) → caller (403) → service protection (429) →
routing (404) → the operation (400/403/404/412 …). Injected faults never reach here (app.py answers them
through `fault_response`).
"""

from __future__ import annotations

import json
from typing import Any, Optional

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..core.faults import Fault
from ..core.limits import CONCURRENCY, LimitExceeded, ServiceProtection
from ..core.service import EmulatorContext, Service
from . import errors
from .auth import Authenticator, Caller, Challenge
from .errors import DataverseError
from .models import portal
from .models.api import DataverseApi, intersect_table
from .models.environments import EnvironmentRegistry
from .models.schema import ManyToMany, Table
from .odata.path import Segment, parse_path, parse_reference
from .odata.prefer import MAX_PAGE_SIZE, Preferences, parse_prefer
from .odata.query import QueryOptions, parse_options
from .responses import api_base, collection_body, entity_body, entity_url, odata_response

ROOT = "/api/data/v9.2"
PUBLISH = "Microsoft.Dynamics.CRM.PvaPublish"
FUNCTIONS = ("WhoAmI",)  # unbound functions: GET only
CALLER = "dataverse.caller"


class DataverseService(Service):
    name = "dataverse"
    prefix = r"^/api/data/v9\.2(/|$)"

    def __init__(self, ctx: EmulatorContext) -> None:
        self.environments = EnvironmentRegistry(ctx.clock)
        config = ctx.config
        self.protection = ServiceProtection(
            ctx.clock,
            lambda: config.dataverse_max_requests,
            lambda: config.dataverse_window,
            lambda: config.dataverse_max_concurrency,
        )
        self.auth = Authenticator(ctx.tokens, self.environments, lambda: ctx.base_url)
        super().__init__(ctx)

    def rules(self) -> list[Rule]:
        resource = f"{ROOT}/<path:resource>"
        return [
            Rule(f"{ROOT}/", endpoint="service_document", methods=["GET"]),
            Rule(f"{ROOT}/WhoAmI", endpoint="who_am_i", methods=["GET"]),
            Rule(f"{ROOT}/WhoAmI()", endpoint="who_am_i", methods=["GET"]),
            Rule(resource, endpoint="read", methods=["GET"]),
            Rule(resource, endpoint="create", methods=["POST"]),
            Rule(resource, endpoint="update", methods=["PATCH"]),
            Rule(resource, endpoint="replace", methods=["PUT"]),
            Rule(resource, endpoint="remove", methods=["DELETE"]),
        ]

    # --- the Service contract ---------------------------------------------------------------------------
    def error(self, status: int, code: str, message: str, *, retry_after: Optional[int] = None) -> Response:
        hex_code = code if code.startswith("0x") else ("0x80040216" if status >= 500 else "")
        return DataverseError(status, hex_code, message, retry_after=retry_after).response()

    def reset(self) -> None:
        self.environments.reset()
        self.protection.reset()

    def seed(self, fixture: dict) -> None:
        if "dataverse" in fixture:
            self.environments.seed(fixture["dataverse"])

    def audiences(self) -> set[str]:
        return set(self.environments.urls())

    def dump(self) -> dict:
        return self.environments.dump()

    # --- portal steps no API performs (models/portal.py) -------------------------------------------------
    def portal(self, step: str, environment: str, schema_name: str) -> dict:
        """`connect` or `disconnect` the agent `schema_name` in the environment, as Copilot Studio does."""
        env = self.environments.by_audience(environment)
        if env is None:
            raise ValueError(f"no environment {environment!r}; seeded: {self.environments.urls()}")
        steps = {"connect": portal.connect_agent, "disconnect": portal.disconnect_agent}
        if step not in steps:
            raise ValueError(f"unknown portal step {step!r}; use connect or disconnect")
        return steps[step](env, schema_name)

    def fault_response(self, fault: Fault) -> Response:
        config = self.ctx.config
        retry_after = (
            fault.retry_after
            if fault.retry_after is not None
            else (config.retry_after if fault.status == 429 else None)
        )
        if fault.status == 429:
            code = fault.code if fault.code in errors.SERVICE_PROTECTION else "0x80072322"
            allowed = {
                "0x80072322": config.dataverse_max_requests,
                "0x80072326": config.dataverse_max_concurrency,
                "0x80072321": 1_200_000,
            }[code]
            return errors.throttled(code, allowed, config.dataverse_window, retry_after).response()
        server_error = fault.status >= 500
        return DataverseError(
            fault.status,
            fault.code or ("0x80040216" if server_error else ""),
            "An unexpected error occurred." if server_error else f"HTTP {fault.status}.",
            retry_after=retry_after,
        ).response()

    def handle(self, request: Request) -> Response:
        prefs = parse_prefer(request.headers.getlist("Prefer"))
        try:
            caller = self.auth.authenticate(request)
            self.set_caller(request, caller.app_id)
            with self.protection.admit(caller.key):
                request.environ[CALLER] = caller
                return super().handle(request)
        except Challenge as challenge:
            return challenge.response
        except LimitExceeded as exc:
            code = "0x80072326" if exc.limit == CONCURRENCY else "0x80072322"
            return errors.throttled(code, exc.allowed, exc.window, self.ctx.config.retry_after).response()
        except DataverseError as exc:
            return exc.response(prefs.annotations)

    # --- handlers ---------------------------------------------------------------------------------------
    def service_document(self, request: Request) -> Response:
        api, _ = self._api(request)
        return odata_response(
            200,
            {
                "@odata.context": f"{api_base(request)}$metadata",
                "value": [{"name": s, "kind": "EntitySet", "url": s} for s in api.entity_sets()],
            },
        )

    def who_am_i(self, request: Request) -> Response:
        api, _ = self._api(request)
        body = {"@odata.context": f"{api_base(request)}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse"}
        return odata_response(200, body | api.who_am_i())

    def read(self, request: Request, resource: str) -> Response:
        api, prefs = self._api(request)
        segments = _segments(request, resource)
        target = api.resolve_set(segments[0].name)
        page_size = prefs.max_page_size or MAX_PAGE_SIZE
        if isinstance(target, ManyToMany):
            self._expect(request, segments, 1, keyed=False)
            options = self._options(request, api, intersect_table(api.env, target))
            page = api.query_intersect(target, options, page_size)
            return self._collection(request, prefs, target.intersect_set or "", options, page)
        table, first = target, segments[0]
        if len(segments) == 1 and first.key is None:
            options = self._options(request, api, table)
            page = api.query(table, options, page_size)
            return self._collection(request, prefs, table.entity_set, options, page)
        self._expect(request, segments, (1, 2), keyed=True)
        if len(segments) == 1:
            options = self._options(request, api, table)
            # Conditional retrieval: never with $expand or annotations [D: DV-conditional]
            current = _header(request, "If-None-Match")
            conditional = current and not options.expand and not prefs.annotations
            if conditional and current == api.etag_of(table, first.key):
                return odata_response(304)
            record = api.retrieve(table, first.key, options)
            return odata_response(
                200,
                entity_body(request, table.entity_set, options, record),
                {"ETag": record["@odata.etag"]},
                prefs,
            )
        related, is_collection = self._navigation(api, table, segments[1])
        options = self._options(request, api, related)
        result = api.related(table, first.key, segments[1].name, options, page_size)
        if is_collection:
            return self._collection(request, prefs, related.entity_set, options, result)
        if result is None:  # an empty single-valued navigation
            return odata_response(204)
        return odata_response(200, entity_body(request, related.entity_set, options, result), prefs=prefs)

    def create(self, request: Request, resource: str) -> Response:
        api, prefs = self._api(request)
        segments = _segments(request, resource)
        table = self._table(request, api, segments[0], "Create")
        if len(segments) == 1 and segments[0].key is None:
            row = api.create(table, _json(request))
            return self._written(request, api, prefs, table, row, 201, 204)
        self._expect(request, segments, (2, 3), keyed=True)
        if len(segments) == 2 and segments[1].name == PUBLISH and table.logical_name == "bot":
            content_id = api.publish(segments[0].key)
            context = f"{api_base(request)}$metadata#Microsoft.Dynamics.CRM.PvaPublishResponse"
            return odata_response(200, {"@odata.context": context, "PublishedBotContentId": content_id})
        if len(segments) == 3 and segments[2].name == "$ref" and segments[1].key is None:
            relationship = api.env.schema.collection_nav(table, segments[1].name)
            if relationship is not None:
                api.associate(table, segments[0].key, relationship, _reference(request))
                return odata_response(204)
        raise self._unmatched(request, api, table, segments[1])

    def update(self, request: Request, resource: str) -> Response:
        api, prefs = self._api(request)
        segments = _segments(request, resource)
        table = self._table(request, api, segments[0], "Update")
        self._expect(request, segments, 1, keyed=True)
        row, created = api.update(
            table,
            segments[0].key,
            _json(request),
            _header(request, "If-Match"),
            _header(request, "If-None-Match"),
        )
        return self._written(request, api, prefs, table, row, 201 if created else 200, 204)

    def replace(self, request: Request, resource: str) -> Response:
        api, _ = self._api(request)
        segments = _segments(request, resource)
        table = self._table(request, api, segments[0], "Update")
        self._expect(request, segments, 3, keyed=True)
        if segments[2].name == "$ref" and table.lookup_by_nav(segments[1].name) and segments[1].key is None:
            api.set_reference(table, segments[0].key, segments[1].name, _reference(request))
            return odata_response(204)
        raise self._unmatched(request, api, table, segments[1])

    def remove(self, request: Request, resource: str) -> Response:
        api, _ = self._api(request)
        segments = _segments(request, resource)
        table = self._table(request, api, segments[0], "Delete")
        self._expect(request, segments, (1, 3), keyed=True)
        if len(segments) == 1:
            api.delete(table, segments[0].key, _header(request, "If-Match"))
            return odata_response(204)
        navigation, ref = segments[1], segments[2]
        if ref.name != "$ref":
            raise self._unmatched(request, api, table, ref)
        relationship = api.env.schema.collection_nav(table, navigation.name)
        if relationship is not None:
            other_id = navigation.key
            if other_id is None and "$id" in request.args:
                other_id = parse_reference(request.args["$id"])[1]
            if other_id is None:
                raise errors.bad_query(
                    "Disassociating needs the related record: …/nav(<id>)/$ref or …/nav/$ref?$id=<uri>."
                )
            api.disassociate(table, segments[0].key, relationship, other_id)
            return odata_response(204)
        if table.lookup_by_nav(navigation.name) and navigation.key is None:
            api.set_reference(table, segments[0].key, navigation.name, None)
            return odata_response(204)
        raise self._unmatched(request, api, table, navigation)

    # --- helpers ----------------------------------------------------------------------------------------
    def _api(self, request: Request) -> tuple[DataverseApi, Preferences]:
        caller: Caller = request.environ[CALLER]
        prefs = parse_prefer(request.headers.getlist("Prefer"))
        return DataverseApi(
            caller.env,
            caller.user_id,
            prefs.wants_annotation,
            publish_delay_reads=int(self.ctx.config.publish_delay_reads),
            publish_fails=self.ctx.config.take_publish_failure,
        ), prefs

    @staticmethod
    def _options(request: Request, api: DataverseApi, table: Table) -> QueryOptions:
        return parse_options(dict(request.args.items()), table, api.env.schema)

    @staticmethod
    def _table(request: Request, api: DataverseApi, segment: Segment, method: str) -> Table:
        if segment.name in FUNCTIONS:
            raise errors.no_http_resource(request.url)
        target = api.resolve_set(segment.name)
        if isinstance(target, ManyToMany):
            raise errors.method_not_supported(method, target.intersect_entity)
        return target

    @staticmethod
    def _expect(request: Request, segments: list[Segment], lengths, *, keyed: bool) -> None:
        allowed = lengths if isinstance(lengths, tuple) else (lengths,)
        if len(segments) not in allowed or (segments[0].key is not None) != keyed:
            raise errors.no_http_resource(request.url)

    @staticmethod
    def _navigation(api: DataverseApi, table: Table, segment: Segment) -> tuple[Table, bool]:
        target = api.env.schema.navigation_target(table, segment.name)
        if target is None or segment.key is not None:
            raise errors.segment_not_found(segment.name)
        return target

    @staticmethod
    def _unmatched(request: Request, api: DataverseApi, table: Table, segment: Segment) -> DataverseError:
        known = api.env.schema.navigation_target(table, segment.name) or segment.name in ("$ref", PUBLISH)
        return errors.no_http_resource(request.url) if known else errors.segment_not_found(segment.name)

    def _collection(
        self, request: Request, prefs: Preferences, entity_set: str, options: QueryOptions, page
    ) -> Response:
        body = collection_body(request, entity_set, options, page.records, page.total, page.more)
        return odata_response(200, body, prefs=prefs)

    @staticmethod
    def _written(
        request: Request,
        api: DataverseApi,
        prefs: Preferences,
        table: Table,
        row: dict,
        with_body: int,
        without_body: int,
    ) -> Response:
        if prefs.return_representation:
            options = parse_options({"$select": request.args.get("$select", "")}, table, api.env.schema)
            record = api.retrieve(table, row[table.primary_key], options)
            return odata_response(
                with_body,
                entity_body(request, table.entity_set, options, record),
                {"ETag": record["@odata.etag"]},
                prefs,
            )
        headers = {"OData-EntityId": entity_url(request, table.entity_set, row[table.primary_key])}
        return odata_response(without_body, headers=headers)


def _segments(request: Request, resource: str) -> list[Segment]:
    segments = parse_path(resource)
    if not segments:
        raise errors.no_http_resource(request.url)
    return segments


def _header(request: Request, name: str) -> Optional[str]:
    """A conditional header; the `null` the docs tell clients to send always means "absent"."""
    value = (request.headers.get(name) or "").strip()
    return None if value in ("", "null") else value


def _reference(request: Request) -> Any:
    """The `@odata.id` of a `$ref` body."""
    body = _json(request)
    if not isinstance(body, dict) or "@odata.id" not in body:
        raise errors.bad_body('a $ref body is {"@odata.id": "<URI of the related record>"}.')
    return body["@odata.id"]


def _json(request: Request) -> Any:
    raw = request.get_data(as_text=True)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise errors.bad_body("the request body is not valid JSON.") from None
