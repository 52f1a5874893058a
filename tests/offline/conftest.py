"""Fixtures of the offline runner's tests.

`provider_servers` is one pool of provider-server processes for the whole session: a server is reused for the
same config and environment, so the sample program's tests share one process and the emulator walk-through
shares another (each start costs about a second). `sample` drives tests/offline/sample_program, whose knobs
travel in an environment variable so they never change the provider's config.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from offline.program import ROOT
from offline.runner import OfflineRunner, RefreshResult, RunResult
from offline.servers import ProviderServers
from offline.state import StackState, StateFile

SAMPLE_PROGRAM = pathlib.Path(__file__).resolve().parent / "sample_program"
THING = "pulumi-python:dynamic/sample:Thing"


@pytest.fixture(scope="session")
def provider_servers():
    with ProviderServers(ROOT) as servers:
        yield servers


class Sample:
    """One stack of the sample program with its own state directory; the provider's store is shared."""

    def __init__(
        self, state_dir: pathlib.Path, store: pathlib.Path, servers: ProviderServers, monkeypatch
    ) -> None:
        self.state_dir, self.store, self.servers, self.monkeypatch = state_dir, store, servers, monkeypatch

    def runner(self, **knobs: Any) -> OfflineRunner:
        self.monkeypatch.setenv("OFFLINE_SAMPLE_KNOBS", json.dumps(knobs))
        return OfflineRunner(
            "dev",
            state_dir=self.state_dir,
            project_dir=SAMPLE_PROGRAM,
            overrides={"store": str(self.store)},
            servers=self.servers,
        )

    def up(self, **knobs: Any) -> RunResult:
        return self.runner(**knobs).up()

    def preview(self, **knobs: Any) -> RunResult:
        return self.runner(**knobs).preview()

    def refresh(self) -> RefreshResult:
        return self.runner().refresh_preview()

    @property
    def state_file(self) -> StateFile:
        return StateFile(self.state_dir, "sample", "dev")

    def state(self) -> StackState:
        return self.state_file.load()

    def resource(self, name: str):
        return next(r for r in self.state().resources if r.name == name)

    def records(self) -> dict:
        return json.loads(self.store.read_text()) if self.store.exists() else {}

    def set_record(self, id_: str, value: str) -> None:
        records = self.records()
        records[id_] = value
        self.store.write_text(json.dumps(records))

    def drop_record(self, id_: str) -> None:
        records = self.records()
        records.pop(id_)
        self.store.write_text(json.dumps(records))


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> pathlib.Path:
    return tmp_path_factory.mktemp("sample-store") / "store.json"


@pytest.fixture
def sample(tmp_path, sample_store, provider_servers, monkeypatch) -> Sample:
    return Sample(tmp_path / "state", sample_store, provider_servers, monkeypatch)
