"""A minimal dynamic provider for testing the provider-server harness and the offline runner (not product
code).

It keeps records in a JSON file named by stack config, so the test can change them "out of band". `key` is
create-only (a change asks for a replacement); `note` is passed through (the runner's tests make it secret).
"""

import json
import os
import uuid

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)


class SampleProvider(ResourceProvider):
    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        self.store = req.config.require("store")
        self.token_seen = bool(req.config.get("token"))

    def _load(self) -> dict:
        if not os.path.exists(self.store):
            return {}
        with open(self.store, encoding="utf-8") as handle:
            return json.load(handle)

    def _save(self, data: dict) -> None:
        with open(self.store, "w", encoding="utf-8") as handle:
            json.dump(data, handle)

    def check(self, olds, news):
        failures = [] if news.get("value") else [CheckFailure("value", "value is required")]
        return CheckResult({k: news[k] for k in ("value", "key", "note") if k in news}, failures)

    def diff(self, id_, olds, news):
        changed = [k for k in ("value", "key", "note") if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[k for k in changed if k == "key"])

    def create(self, props):
        if props["value"] == "boom":
            raise ValueError("refusing value boom")
        if (
            props["value"] == "chained"
        ):  # a catalogue-style message of several lines, raised from another error
            try:
                raise KeyError("cause")
            except KeyError as cause:
                raise RuntimeError("service said no\n  code: 0x80040220\nwhat to do: ask an admin") from cause
        data = self._load()
        id_ = uuid.uuid4().hex
        data[id_] = props["value"]
        self._save(data)
        outs = {**self._extra(props), "value": props["value"], "tokenSeen": self.token_seen}
        return CreateResult(id_, outs)

    def read(self, id_, props):
        data = self._load()
        if id_ not in data:
            return ReadResult(None, {})
        live = {"value": data[id_]}
        return ReadResult(id_, {**props, **live}, inputs={**self._extra(props), **live})

    def update(self, id_, olds, news):
        data = self._load()
        data[id_] = news["value"]
        self._save(data)
        return UpdateResult({**self._extra(news), "value": news["value"], "tokenSeen": self.token_seen})

    @staticmethod
    def _extra(props) -> dict:
        return {k: props[k] for k in ("key", "note") if k in props}

    def delete(self, id_, props):
        data = self._load()
        data.pop(id_, None)
        self._save(data)


class UndecidedProvider(SampleProvider):
    """A provider without its own diff: the SDK answers DIFF_UNKNOWN and the engine compares inputs itself."""

    def diff(self, id_, olds, news):
        return DiffResult()
