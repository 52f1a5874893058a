"""Every catalogue entry is produced by some client test that triggers it (tests record the keys they saw
through support.raises_entry). Runs last; skipped when only part of the client suite was selected."""

from __future__ import annotations

import pytest

from components.clients import catalogue

from .conftest import COMPLETE_KEY
from .support import PRODUCED


def test_every_catalogue_entry_is_produced_by_a_test(request):
    if not request.config.stash.get(COMPLETE_KEY, False):
        pytest.skip("only part of tests/clients ran; coverage of the catalogue needs the whole suite")
    missing = sorted(e.key for e in catalogue.ENTRIES if e.key not in PRODUCED)
    assert missing == [], f"catalogue entries no test produced: {missing}"
