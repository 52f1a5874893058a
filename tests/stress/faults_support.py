"""What the fault matrix (test_fault_matrix.py) is made of, without pytest, so `benchmarks/` can reuse it: the
fault kinds and how each is armed on the k-th request, the clock jump that expires a cached token before the
k-th request, how an operation's outcome is classified, the canonical form of the emulator's Dataverse state
(for "same state as a fault-free run"), the duplicate checks, and the table.

- A cell is one operation of one binding resource with one fault on one request of the operation's fault-free
  request log (`index`, counted over every request the emulator saw, token requests included).
- An outcome is `ok` (succeeded, no request added), `retried-ok` (succeeded after sending more), the catalogue
  key of the ClientError it failed with, `refused` (a delete without the removal override) or
  `TRACEBACK <type>` (anything else: always a defect).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import re
from typing import Any, Iterable, Mapping, Optional, Sequence

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# "components.clients.errors.UnavailableError: <message>" ... "Mitigation [service-unavailable]: ..."
_CLIENT_ERROR = re.compile(r"components\.clients\.errors\.(\w+): ")
_MITIGATION = re.compile(r"Mitigation \[([a-z0-9-]+)\]")
_REFUSED = "components.dynamic.base.BindingRemovalRefused: "
_RAISED = re.compile(r"^([A-Za-z_][\w.]*): ", re.M)  # a traceback's last line: "pkg.module.Type: message"

OK, RETRIED_OK, REFUSED = "ok", "retried-ok", "refused"
NOT_APPLICABLE = "n/a"
# Dataverse's service-protection codes (emulator/dataverse/errors.py SERVICE_PROTECTION): request count,
# execution time, concurrency.
SERVICE_PROTECTION_CODES = ("0x80072322", "0x80072321", "0x80072326")
# Keys a failed operation may carry under a transient fault: the fault's own (throttled, unavailable) or the
# ambiguous-write one (a create whose outcome is unknown). Anything else names the wrong cause.
TRANSIENT_KEYS = frozenset({"throttled", "service-unavailable", "ambiguous-write"})


@dataclasses.dataclass(frozen=True)
class FaultKind:
    """One column of the matrix.

    fault: the emulator fault (`Emulator.inject` keywords) to fire on the k-th request; `expire`: instead,
    move the emulator clock past the token lifetime just before the k-th request, so the token the provider
    cached expires mid-operation; `config`: emulator settings for the whole operation (replication lag).
    `allowed`: catalogue keys a failure may carry (empty: the operation must succeed).
    """

    name: str
    services: frozenset
    fault: Optional[Mapping[str, Any]] = None
    expire: bool = False
    config: Optional[Mapping[str, Any]] = None
    allowed: frozenset = TRANSIENT_KEYS
    methods: frozenset = frozenset()  # empty: every method

    def applies(self, request) -> bool:
        return request.service in self.services and (not self.methods or request.method in self.methods)


_API = frozenset({"dataverse", "arm"})
_EVERY = frozenset({"entra", "dataverse", "arm", "graph"})
# retry_after=0 on every status fault: neither our retries nor msal's throttle cache (it replays an Entra
# 429/5xx for Retry-After seconds, 5 s when absent) wait, so tests never sleep and one cell cannot leak into
# the next through the long-lived provider process (a real re-run is a new process).
FAULT_KINDS: tuple[FaultKind, ...] = (
    *(
        FaultKind(
            f"429 {code}",
            frozenset({"dataverse"}),
            {"kind": "status", "status": 429, "code": code, "retry_after": 0},
        )
        for code in SERVICE_PROTECTION_CODES
    ),
    FaultKind(
        "429", frozenset({"entra", "arm", "graph"}), {"kind": "status", "status": 429, "retry_after": 0}
    ),
    FaultKind("500", _EVERY, {"kind": "status", "status": 500, "retry_after": 0}),
    FaultKind("503", _EVERY, {"kind": "status", "status": 503, "retry_after": 0}),
    FaultKind("drop", _EVERY, {"kind": "drop"}),
    FaultKind("latency", _EVERY, {"kind": "latency", "latency_ms": 25}, allowed=frozenset()),
    FaultKind("expired token", _API, expire=True, allowed=frozenset()),
    # Graph is the only service with replication lag; only its requests can meet it.
    FaultKind(
        "replication lag", frozenset({"graph"}), config={"graph_replication_lag": 2}, allowed=frozenset()
    ),
)
KIND_NAMES = tuple(kind.name for kind in FAULT_KINDS)

# Hostile answers (issue 15): what a proxy in front of the services can send, the emulator's synthetic faults
# (emulator/core/faults.py: redirect, body). Each must be reported for what it is, never read as data: a login
# page or `[]` is an unexpected response (not "not found"), a 201 with a cut body an ambiguous write the
# create settles by its natural key, a redirect refused; an odd Retry-After is retried after the backoff.
# A trickling answer is cut by the request deadline (60 s an attempt in a provider process): too slow for a
# matrix cell, so tests/clients/test_hostile_answers.py covers it with a short deadline.
LOGIN_PAGE = "<html><body><form action='/login'>Sign in to continue</form></body></html>"
HOSTILE_KINDS: tuple[FaultKind, ...] = (
    FaultKind(
        "HTML 200",
        _API,
        {"kind": "body", "status": 200, "body": LOGIN_PAGE, "content_type": "text/html"},
        allowed=frozenset({"unexpected-response"}),
        methods=frozenset({"GET"}),
    ),
    FaultKind(
        "[] 200",
        frozenset({"dataverse"}),
        {"kind": "body", "status": 200, "body": "[]"},
        allowed=frozenset({"unexpected-response"}),
        methods=frozenset({"GET"}),
    ),
    FaultKind(
        "bad JSON 201",
        _API,
        {"kind": "body", "status": 201, "body": '{"systemuserid": '},
        allowed=frozenset({"ambiguous-write", "unexpected-response"}),
        methods=frozenset({"POST"}),
    ),
    FaultKind(
        "Retry-After soon",
        _API,
        {"kind": "status", "status": 429, "retry_after": "soon"},
        allowed=frozenset(),
    ),
    FaultKind(
        "Retry-After 1.5",
        _API,
        {"kind": "status", "status": 429, "retry_after": "1.5"},
        allowed=frozenset(),
    ),
    FaultKind(
        "redirect 307",
        _EVERY,
        {"kind": "redirect", "status": 307, "location": "https://127.0.0.1:9/capture"},
        allowed=frozenset({"redirect-refused"}),
    ),
)


def kind_named(name: str) -> FaultKind:
    return next(kind for kind in FAULT_KINDS if kind.name == name)


class ClockJump:
    """Stands in for the emulator's fault book (`app.ctx.faults`) to see every API request in order, and moves
    the emulator clock forward by `seconds` just before request number `index` (0-based) is served."""

    def __init__(self, book, clock, index: int, seconds: float) -> None:
        self._book, self._clock, self._index, self._seconds = book, clock, index, seconds
        self._seen = 0
        self.fired = False

    def take(self, method: str, path: str):
        if self._seen == self._index:
            self._clock.advance(self._seconds)
            self.fired = True
        self._seen += 1
        return self._book.take(method, path)

    def __getattr__(self, name: str):  # add, clear, pending: the real book's
        return getattr(self._book, name)


# --- outcomes -----------------------------------------------------------------------------------------------
def classify(error: Optional[BaseException], requests_sent: int, baseline_requests: int) -> str:
    """The outcome of one operation: see the module docstring. `error` is a ProviderError or None."""
    if error is None:
        return OK if requests_sent == baseline_requests else RETRIED_OK
    details = getattr(error, "details", "") or str(error)
    if _REFUSED in details:
        return REFUSED
    mitigation = _MITIGATION.findall(details)
    if _CLIENT_ERROR.search(details) and mitigation:
        return mitigation[-1]
    raised = _RAISED.findall(details)
    return f"TRACEBACK {raised[-1] if raised else type(error).__name__}"


def is_catalogue_key(outcome: str) -> bool:
    return outcome not in (OK, RETRIED_OK, REFUSED, NOT_APPLICABLE) and not outcome.startswith("TRACEBACK")


# --- the emulator's state -----------------------------------------------------------------------------------
# Columns (and outputs: `publishedOn`) that differ between two identical runs: times and publish bookkeeping.
VOLATILE = re.compile(
    r"^(createdon|modifiedon|publishedon|overriddencreatedon|versionnumber|"
    r"synchronizationstatus)$",
    re.I,
)


def environment(state: Mapping[str, Any], url: str) -> dict:
    return next(e for e in state["environments"] if e["url"].rstrip("/").lower() == url.rstrip("/").lower())


def new_ids(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, str]:
    """{GUID: label} for every record id in `after` that `before` did not have, labelled by what identifies
    the
    record to a human (a user by App ID, a context variable by workstream and name), so two runs that made the
    same records compare equal and a second record with the same natural key shows as a duplicate."""
    known = {guid.lower() for guid in _GUID.findall(json.dumps(before))}
    labels: dict[str, str] = {}
    for env in after["environments"]:
        for table, rows in env.get("tables", {}).items():
            for row in rows:
                value = row.get(f"{table[:-1]}id")  # the primary key: systemusers -> systemuserid
                if isinstance(value, str) and _GUID.fullmatch(value) and value.lower() not in known:
                    labels[value.lower()] = f"<new {table}:{natural_key(table, row)}>"
    return labels


def natural_key(table: str, row: Mapping[str, Any]) -> str:
    if table == "systemusers":
        return f"app {row.get('applicationid')}"
    if table == "msdyn_ocliveworkstreamcontextvariables":
        return f"{row.get('_msdyn_liveworkstreamid_value')}/{row.get('msdyn_name')}"  # names are exact
    for column in ("name", "msdyn_name", "fullname", "schemaname"):
        if row.get(column):
            return str(row[column]).lower()
    return "?"


def canonical(value: Any, labels: Mapping[str, str]) -> Any:
    """`value` (a state dump or outputs) with new ids replaced by their labels and volatile columns (times,
    version numbers, publish bookkeeping) dropped; lists of rows and of association pairs sorted."""
    if isinstance(value, dict):
        return {key: canonical(item, labels) for key, item in value.items() if not VOLATILE.search(key)}
    if isinstance(value, list):
        items = [canonical(item, labels) for item in value]
        return (
            sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
            if all(isinstance(item, (dict, list)) for item in items)
            else items
        )
    if isinstance(value, str):
        return _GUID.sub(lambda m: labels.get(m.group(0).lower(), m.group(0).lower()), value)
    return value


def duplicates(env: Mapping[str, Any], app_id: str = "") -> list[str]:
    """What must never exist twice in one environment: an application user of one App ID (`app_id`'s, and
    every other's: an agent's and an Azure bot's), a context variable name on one workstream (names are
    exact: Omnichannel matches them case-sensitively), an association pair."""
    problems = []
    tables = env.get("tables", {})
    apps = collections.Counter(
        str(u["applicationid"]).lower() for u in tables.get("systemusers", []) if u.get("applicationid")
    )
    problems += [f"{count} systemusers with App ID {app}" for app, count in apps.items() if count > 1]
    names = collections.Counter(
        (v.get("_msdyn_liveworkstreamid_value"), str(v.get("msdyn_name")))
        for v in tables.get("msdyn_ocliveworkstreamcontextvariables", [])
    )
    problems += [
        f"{count} context variables {name!r} on workstream {ws}"
        for (ws, name), count in names.items()
        if count > 1
    ]
    for relationship, pairs in env.get("associations", {}).items():
        counted = collections.Counter(tuple(pair) for pair in pairs)
        problems += [
            f"{relationship} pair {pair} {count} times" for pair, count in counted.items() if count > 1
        ]
    return problems


# A create that must never be sent twice on a 5xx or a lost answer: it makes a record (an N:N `$ref` associate
# and PvaPublish are idempotent by nature and marked so).
def blind_resends(log: Sequence[Any]) -> list[str]:
    """Non-idempotent POSTs sent again right after an answer that leaves their outcome unknown (5xx,
    dropped)."""
    found = []
    for previous, following in zip(log, log[1:]):
        if (
            previous.method == "POST"
            and previous.service == "dataverse"
            and "$ref" not in previous.path
            and "PvaPublish" not in previous.path
            and (previous.status >= 500 or previous.status == 0)
            and (following.method, following.path) == (previous.method, previous.path)
        ):
            found.append(f"POST {previous.path} sent again after HTTP {previous.status or 'drop'}")
    return found


# --- the matrix table ---------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class CellResult:
    resource: str
    operation: str
    track: str  # "warm", "token" (tokens expired at start) or "cold" (a new provider process)
    index: int  # the faulted request, 0-based in the operation's fault-free log
    request: str  # "GET dataverse /api/data/v9.2/WhoAmI"
    kind: str
    outcome: str
    problems: tuple = ()
    seconds: float = 0.0

    @property
    def row(self) -> tuple:
        return (self.resource, self.operation, self.track, self.index, self.request)


def describe(request) -> str:
    """One request as a table row names it: method, service and path (ids shortened to 8 characters)."""
    path = _GUID.sub(lambda m: m.group(0)[:8], request.path).replace("/api/data/v9.2", "")
    return f"{request.method} {request.service} {path}"


def matrix_table(results: Iterable[CellResult], kinds: Sequence[str] = KIND_NAMES) -> str:
    """The matrix as text: one row per (resource, operation, track, request), one column per fault kind, each
    cell the outcome (n/a where the kind cannot apply to that request), then the outcome counts by kind."""
    results = list(results)
    rows: dict[tuple, dict[str, str]] = {}
    for result in results:
        rows.setdefault(result.row, {})[result.kind] = result.outcome + (" !" if result.problems else "")
    head = ["resource", "operation", "track", "#", "request", *kinds]
    body = [
        [
            resource,
            operation,
            track,
            str(index),
            request[:60],
            *(cells.get(kind, NOT_APPLICABLE) for kind in kinds),
        ]
        for (resource, operation, track, index, request), cells in rows.items()
    ]
    widths = [max(len(line[col]) for line in [head, *body]) for col in range(len(head))]

    def render(line):
        return "  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip()

    lines = [render(head), render(["-" * width for width in widths]), *map(render, body), ""]
    lines.append(f"{len(results)} cells; outcomes by fault kind:")
    for kind in kinds:
        counts = collections.Counter(r.outcome for r in results if r.kind == kind)
        lines.append(f"  {kind}: " + ", ".join(f"{outcome} {n}" for outcome, n in sorted(counts.items())))
    bad = [r for r in results if r.problems]
    lines.append(f"cells with a problem (marked !): {len(bad)}")
    return "\n".join(lines)


def outcome_counts(results: Iterable[CellResult]) -> dict[str, dict[str, int]]:
    """{fault kind: {outcome: cells}}, for the README's figures."""
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for result in results:
        counts[result.kind][result.outcome] += 1
    return {kind: dict(counter) for kind, counter in counts.items()}
