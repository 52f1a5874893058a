"""The `Prefer` request header: return=representation, odata.maxpagesize, odata.include-annotations.

Several preferences come comma-separated (or in several headers); a value may be quoted and hold commas
(`odata.include-annotations="A,B"`). Dataverse caps the page size at 5000 [D: DV-query].
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from typing import Iterable, Optional

MAX_PAGE_SIZE = 5000
_TOKEN = re.compile(r'\s*([^=,;\s]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,;]*))?\s*[,;]?')


@dataclasses.dataclass(frozen=True)
class Preferences:
    return_representation: bool = False
    max_page_size: Optional[int] = None
    annotations: tuple[str, ...] = ()  # the patterns asked for, e.g. ("*",) or ("OData.Community.*",)

    def wants_annotation(self, name: str) -> bool:
        """Whether an annotation (without the leading @) was asked for."""
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.annotations)

    def applied(self) -> Optional[str]:
        """The `Preference-Applied` header value for what this request honoured, or None."""
        parts = []
        if self.return_representation:
            parts.append("return=representation")
        if self.max_page_size is not None:
            parts.append(f"odata.maxpagesize={self.max_page_size}")
        if self.annotations:
            parts.append(f'odata.include-annotations="{",".join(self.annotations)}"')
        return ",".join(parts) or None


def parse_prefer(headers: Iterable[str]) -> Preferences:
    values: dict[str, str] = {}
    for header in headers:
        position = 0
        while position < len(header):
            match = _TOKEN.match(header, position)
            if not match or match.end() == position:
                break
            values[match.group(1).lower()] = (match.group(2) or "").strip().strip('"')
            position = match.end()
    page_size = None
    if "odata.maxpagesize" in values:
        try:
            page_size = max(1, min(MAX_PAGE_SIZE, int(values["odata.maxpagesize"])))
        except ValueError:
            page_size = None
    requested = values.get("odata.include-annotations", "").split(",")
    annotations = tuple(p.strip() for p in requested if p.strip())
    return Preferences(
        return_representation=values.get("return") == "representation",
        max_page_size=page_size,
        annotations=annotations,
    )
