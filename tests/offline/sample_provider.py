"""A minimal dynamic provider for testing the provider-server harness itself (not product code).

It keeps records in a JSON file named by stack config, so the test can change them "out of band".
"""
import json
import os
import uuid

from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, CreateResult, DiffResult, ReadResult
from pulumi.dynamic import ResourceProvider, UpdateResult


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
        return CheckResult({"value": news.get("value")}, failures)

    def diff(self, id_, olds, news):
        return DiffResult(changes=olds.get("value") != news.get("value"))

    def create(self, props):
        if props["value"] == "boom":
            raise ValueError("refusing value boom")
        data = self._load()
        id_ = uuid.uuid4().hex
        data[id_] = props["value"]
        self._save(data)
        return CreateResult(id_, {"value": props["value"], "tokenSeen": self.token_seen})

    def read(self, id_, props):
        data = self._load()
        if id_ not in data:
            return ReadResult(None, {})
        return ReadResult(id_, {**props, "value": data[id_]}, inputs={"value": data[id_]})

    def update(self, id_, olds, news):
        data = self._load()
        data[id_] = news["value"]
        self._save(data)
        return UpdateResult({"value": news["value"], "tokenSeen": self.token_seen})

    def delete(self, id_, props):
        data = self._load()
        data.pop(id_, None)
        self._save(data)
