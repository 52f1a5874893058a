"""Success answers in the Web API's shape: OData headers, `@odata.context`, `@odata.etag`, `ETag`,
`OData-EntityId`, `@odata.count`, `@odata.nextLink` and `Preference-Applied` (reference §4.1, §4.2).

Links (`@odata.context`, `OData-EntityId`, `@odata.nextLink`) use the URL the request came to, as the real
service uses its own host: a client that follows `@odata.nextLink` unedited stays on the emulator.
"""

from __future__ import annotations

import json
import urllib.parse
import uuid
from typing import Optional

from werkzeug.wrappers import Request, Response

from .errors import CONTENT_TYPE
from .odata.prefer import Preferences
from .odata.query import QueryOptions, skiptoken

API_PATH = "api/data/v9.2/"


def api_base(request: Request) -> str:
    return request.host_url + API_PATH


def odata_response(
    status: int,
    body: Optional[dict] = None,
    headers: Optional[dict] = None,
    prefs: Optional[Preferences] = None,
) -> Response:
    all_headers = {"OData-Version": "4.0", "REQ_ID": str(uuid.uuid4())}
    all_headers.update(headers or {})
    applied = prefs.applied() if prefs else None
    if applied:
        all_headers["Preference-Applied"] = applied
    if body is None:
        return Response(status=status, headers=all_headers)
    return Response(json.dumps(body), status=status, headers=all_headers, content_type=CONTENT_TYPE)


def context_select(options: QueryOptions) -> str:
    parts = list(options.select) + [f"{e.navigation}({context_select(e.options)})" for e in options.expand]
    return ",".join(parts)


def context(request: Request, entity_set: str, options: QueryOptions, *, entity: bool) -> str:
    select = context_select(options)
    return (
        f"{api_base(request)}$metadata#{entity_set}"
        + (f"({select})" if select else "")
        + ("/$entity" if entity else "")
    )


def entity_url(request: Request, entity_set: str, record_id: str) -> str:
    return f"{api_base(request)}{entity_set}({record_id})"


def entity_body(request: Request, entity_set: str, options: QueryOptions, record: dict) -> dict:
    return {"@odata.context": context(request, entity_set, options, entity=True), **record}


def collection_body(
    request: Request, entity_set: str, options: QueryOptions, records: list[dict], total: int, more: bool
) -> dict:
    body: dict = {"@odata.context": context(request, entity_set, options, entity=False)}
    if options.count:
        body["@odata.count"] = min(total, 5000)
    body["value"] = records
    if more:
        body["@odata.nextLink"] = next_link(request, options.page + 1)
    return body


def next_link(request: Request, page: int) -> str:
    """The same request for the next page; the skip token is the only part that changes."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "$skiptoken"]
    args.append(("$skiptoken", skiptoken(page)))
    query = urllib.parse.urlencode(args, quote_via=urllib.parse.quote, safe="$,()'")
    return f"{request.base_url}?{query}"
