"""The catalogue of known failures: every error the clients raise names one entry, with its cause, the
mitigation a platform engineer can act on, a documentation link and whether a retry can help.

Entries are matched by the service's own code (an AADSTS number, a Dataverse hex code, a Graph or ARM
code) or named directly by the client code that detects a hand-off scenario (the agent is not
published, the Teams channel is disabled, ...). docs/errors.md and the README's "Known errors and
mitigations" table are generated from here (`python -m components.clients.catalogue --write-docs`); a
test fails when they diverge.
"""

from __future__ import annotations

import dataclasses
import types
from typing import Mapping, Optional

# The error classes of components/clients/errors.py, named here as strings so the catalogue stays a
# leaf (errors.py imports the catalogue, not the other way round).
KINDS = (
    "authentication",
    "permission",
    "not_found",
    "conflict",
    "validation",
    "throttled",
    "unavailable",
    "unexpected",
)
SERVICES = ("entra", "graph", "arm", "dataverse", "handoff")


@dataclasses.dataclass(frozen=True)
class Entry:
    """One known failure.

    key: stable identifier (shown in every message; never renamed, docs link to it).
    service: who reports it: entra, graph, arm, dataverse, or handoff (detected by our own checks).
    codes: the service codes that mean this failure (AADSTS numbers without the prefix, Dataverse hex
        codes in lower case, Graph/ARM codes as sent).
    message_contains: for codes several failures share (ARM InvalidBotData, UnknownError), the text
        that tells them apart; matched case-insensitively.
    kind: the error class raised for it (one of KINDS).
    """

    key: str
    title: str
    cause: str
    mitigation: str
    link: str
    retryable: bool
    service: str
    kind: str
    codes: tuple[str, ...] = ()
    message_contains: str = ""

    def __post_init__(self) -> None:
        if self.service not in SERVICES:
            raise ValueError(f"catalogue entry {self.key}: unknown service {self.service!r}")
        if self.kind not in KINDS:
            raise ValueError(f"catalogue entry {self.key}: unknown kind {self.kind!r}")
        if not self.link.startswith("https://"):
            raise ValueError(f"catalogue entry {self.key}: the link must be an https URL")


def _load() -> tuple[Entry, ...]:
    from . import entries_azure, entries_dataverse, entries_entra, entries_handoff

    entries = (
        entries_entra.ENTRIES + entries_azure.ENTRIES + entries_dataverse.ENTRIES + entries_handoff.ENTRIES
    )
    keys = [e.key for e in entries]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"duplicate catalogue keys: {duplicates}")
    return entries


ENTRIES: tuple[Entry, ...] = _load()
_BY_KEY: Mapping[str, Entry] = types.MappingProxyType({e.key: e for e in ENTRIES})


def get(key: str) -> Entry:
    """The entry with this key; a KeyError names the known keys (a typo in product code is a bug)."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"no catalogue entry {key!r}; known: {sorted(_BY_KEY)}") from None


def normalise_code(service: str, code: object) -> str:
    """Codes as the catalogue spells them: Dataverse hex in lower case, AADSTS without the prefix."""
    text = str(code or "").strip()
    if service == "dataverse":
        return text.lower()
    if service == "entra" and text.upper().startswith("AADSTS"):
        return text[len("AADSTS") :]
    return text


def match(service: str, code: object, message: str = "") -> Optional[Entry]:
    """The entry for a service's error code, or None. Where several entries share a code, the one whose
    `message_contains` appears in the message wins, else the one without a discriminator."""
    wanted = normalise_code(service, code)
    if not wanted:
        return None
    candidates = [e for e in ENTRIES if e.service == service and wanted in e.codes]
    lowered = (message or "").lower()
    for entry in candidates:
        if entry.message_contains and entry.message_contains.lower() in lowered:
            return entry
    return next((e for e in candidates if not e.message_contains), None)
