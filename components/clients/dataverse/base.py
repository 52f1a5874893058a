"""The shared plumbing of the Dataverse client: OData headers, query building, single-row lookups by id
or by name, creates that return the row, conditional updates, and N:N associations that treat "already
associated" and "not associated" as done.

Request shapes follow the Web API docs (learn.microsoft.com/power-apps/developer/data-platform/webapi/):
compose-http-requests-handle-errors (headers), create-entity-web-api (`Prefer: return=representation`),
associate-disassociate-entities-using-web-api (`$ref`), perform-conditional-operations (`If-Match: *`).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Optional, TypeVar

from ...validation import is_guid
from .. import catalogue, errors
from ..http import ApiSession

T = TypeVar("T")
ODATA_HEADERS = {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"}
_READ_HEADERS = {"If-None-Match": "null"}  # the docs' advice: never a cached answer
_RETURN_ROW = {"Prefer": "return=representation"}
_UPDATE_ONLY = {"If-Match": "*", **_RETURN_ROW}  # a PATCH never creates a row (no upsert on replay)
_DUPLICATE_PAIR = "0x80040237"


def literal(value: str) -> str:
    """An OData string literal: single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def guid(value: str, what: str) -> str:
    """A lower-case GUID, or a ValueError naming what it was meant to be (nothing is sent)."""
    if not is_guid(value):
        raise ValueError(f"{what} must be a GUID, not {value!r}")
    return value.strip().lower()


class DataverseBase:
    """Holds the session; the feature mixins (users, routing, agents) build on these helpers."""

    def __init__(self, session: ApiSession) -> None:
        self._session = session

    @property
    def session(self) -> ApiSession:
        return self._session

    def record_uri(self, entity_set: str, record_id: str) -> str:
        """The absolute URI of a record, for `@odata.id` (the related record of a `$ref`)."""
        return f"{self._session.base_url}/{entity_set}({record_id})"

    # --- reads ----------------------------------------------------------------------------------------
    def _get(
        self,
        path: str,
        *,
        operation: str,
        columns: Iterable[str] = (),
        not_found: Optional[str] = None,
        extra: Optional[Mapping[str, str]] = None,
    ) -> dict:
        params = {"$select": ",".join(columns)} if columns else {}
        params.update(extra or {})
        answer = self._session.request(
            "GET",
            path,
            operation=operation,
            params=params or None,
            headers=_READ_HEADERS,
            on_status={404: not_found} if not_found else None,
        )
        if not isinstance(answer.body, dict):  # a record is a JSON object; `[]` or nothing is not one
            raise errors.from_entry(
                "unexpected-response",
                operation,
                f"HTTP {answer.status} answered a record read with "
                f"{'nothing' if answer.body is None else 'a JSON ' + type(answer.body).__name__}",
                request_id=answer.request_id,
            )
        return answer.body

    def _query(
        self,
        entity_set: str,
        *,
        operation: str,
        columns: Iterable[str],
        filter: Optional[str] = None,
        extra: Optional[Mapping[str, str]] = None,
    ) -> list[dict]:
        params = {"$select": ",".join(columns)}
        if filter:
            params["$filter"] = filter
        params.update(extra or {})
        return self._session.collect(entity_set, operation=operation, params=params, headers=_READ_HEADERS)

    def _one_by_name_or_id(
        self,
        entity_set: str,
        key_column: str,
        name_column: str,
        name_or_id: str,
        *,
        columns: Iterable[str],
        what: str,
        not_found: str,
        parse: Callable[[dict], T],
        extra: Optional[Mapping[str, str]] = None,
    ) -> T:
        """The single row whose id or name is `name_or_id`; the catalogue entry `not_found` when none.
        `extra` adds query options (an `$expand`) to the one request either way."""
        operation = f"find the {what} {name_or_id!r}"
        if is_guid(name_or_id):
            return parse(
                self._get(
                    f"{entity_set}({guid(name_or_id, what)})",
                    operation=operation,
                    columns=columns,
                    not_found=not_found,
                    extra=extra,
                )
            )
        rows = self._query(
            entity_set,
            operation=operation,
            columns=columns,
            filter=f"{name_column} eq {literal(name_or_id)}",
            extra=extra,
        )
        if not rows:
            raise errors.from_entry(not_found, operation, f"no {what} is named {name_or_id!r}")
        if len(rows) > 1:
            ids = ", ".join(str(r.get(key_column)) for r in rows)
            raise errors.from_entry(
                "name-ambiguous",
                operation,
                f"{len(rows)} {what}s are named {name_or_id!r} ({ids}): use the GUID",
            )
        return parse(rows[0])

    # --- writes ---------------------------------------------------------------------------------------
    def _create(
        self, entity_set: str, body: Mapping[str, Any], *, operation: str, columns: Iterable[str]
    ) -> dict:
        """POST a row and return it (`201` with the row; never resent blindly, see http.py).

        A 201 without the row (no body, or one without the selected columns) is an AmbiguousWriteError: the
        row was made, its id is unknown, and the caller's re-read by natural key finds it."""
        columns = tuple(columns)
        answer = self._session.request(
            "POST",
            entity_set,
            operation=operation,
            json=dict(body),
            params={"$select": ",".join(columns)},
            headers=_RETURN_ROW,
            expected=(201,),
        )
        row = answer.body
        missing = [c for c in columns if c not in row] if isinstance(row, dict) else list(columns)
        if missing:
            raise errors.AmbiguousWriteError(
                operation,
                detail=f"HTTP 201 without the created row (no {missing[0]}); it was probably made",
                request_id=answer.request_id,
                entry=catalogue.get("ambiguous-write"),
            )
        return row

    def _update(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        operation: str,
        columns: Iterable[str],
        not_found: Optional[str] = None,
    ) -> dict:
        return (
            self._session.request(
                "PATCH",
                path,
                operation=operation,
                json=dict(body),
                params={"$select": ",".join(columns)},
                headers=_UPDATE_ONLY,
                expected=(200,),
                on_status={404: not_found} if not_found else None,
            ).body
            or {}
        )

    def _delete(self, path: str, *, operation: str) -> bool:
        """DELETE; False when it was already gone (a delete's goal is reached either way)."""
        response = self._session.request("DELETE", path, operation=operation, expected=(204, 404))
        return response.status == 204

    def _associate(self, path: str, related_uri: str, *, operation: str) -> bool:
        """POST a `$ref`; False when the pair was already associated (Dataverse's 0x80040237)."""
        try:
            self._session.request(
                "POST",
                f"{path}/$ref",
                operation=operation,
                json={"@odata.id": related_uri},
                expected=(204,),
                idempotent=True,
            )
        except errors.ConflictError as exc:
            if (exc.code or "").lower() == _DUPLICATE_PAIR:
                return False
            raise
        return True

    def _disassociate(self, path: str, *, operation: str) -> None:
        """DELETE a `$ref`. A pair that was not associated is done too (the service answers 204 or 404,
        so whether it was associated is not reported)."""
        self._delete(f"{path}/$ref", operation=operation)
