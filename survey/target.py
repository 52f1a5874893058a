"""Where the survey reads and as whom: the environment (a stack file's `handoff:dataverseUrl` or
`--dataverse-url`), the clients' configuration (the stack's `handoff:*` keys, or the cloud's defaults),
and for `--emulator URL --ca FILE` the offline emulator's endpoints and CA, passed as the same endpoint
overrides an offline run uses (`handoff:authorityHost`, `handoff:resourceManagerEndpoint`,
`handoff:dataverseApiEndpoint`) and REQUESTS_CA_BUNDLE. Credentials always come from the environment
variables the providers read (ARM_*/AZURE_*); this module never sees a secret value.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import re
from typing import Any, Iterator, Optional

import yaml

from components.clients.config import ClientConfig
from components.names import PROJECT
from components.settings import Settings, parse_settings

_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


class TargetError(ValueError):
    """The command line or the stack file does not say where to read (names the option and the fix)."""


@dataclasses.dataclass(frozen=True)
class Emulator:
    base_url: str
    ca_path: str

    def overrides(self) -> dict[str, str]:
        """The endpoint overrides of an offline run (the same as offline/emulator.py's)."""
        base = self.base_url.rstrip("/")
        return {
            "authorityHost": base,
            "resourceManagerEndpoint": base,
            "dataverseApiEndpoint": f"{base}/api/data/v9.2",
        }


@dataclasses.dataclass(frozen=True)
class Target:
    environment_url: str
    config: ClientConfig
    settings: Optional[Settings]  # with --stack
    ca_path: Optional[str] = None  # with --emulator

    @property
    def stack(self) -> Optional[str]:
        return self.settings.stack if self.settings else None


def read_stack_file(stack: str, project_dir: pathlib.Path) -> dict[str, Any]:
    """The un-namespaced keys of Pulumi.<stack>.yaml (encrypted values left out: the survey needs none)."""
    if not _STACK_NAME.fullmatch(stack):
        raise TargetError(f"--stack {stack!r}: a stack name has letters, digits, '-', '_' and '.' only")
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise TargetError(
            f"--stack {stack}: {path} does not exist; name a stack whose file is in {project_dir}"
        )
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    prefix = f"{PROJECT}:"
    values = (document.get("config") or {}) if isinstance(document, dict) else {}
    return {
        key[len(prefix) :]: value
        for key, value in values.items()
        if isinstance(key, str)
        and key.startswith(prefix)
        and not (isinstance(value, dict) and "secure" in value)
    }


def resolve(
    *,
    stack: Optional[str],
    dataverse_url: Optional[str],
    emulator: Optional[Emulator],
    project_dir: pathlib.Path,
) -> Target:
    """The target of one run; a stack file is validated as the program validates it (ConfigError)."""
    if bool(stack) == bool(dataverse_url):
        raise TargetError(
            "give exactly one of --stack NAME (reads Pulumi.<NAME>.yaml) or --dataverse-url URL"
        )
    settings = parse_settings(read_stack_file(stack, project_dir), stack) if stack else None
    keys: dict[str, str] = {}
    if settings is not None:
        keys = {
            "tenantId": settings.tenant_id,
            "cloud": settings.cloud,
            "authorityHost": settings.endpoints.authority_host,
            "resourceManagerEndpoint": settings.endpoints.resource_manager_endpoint,
            "dataverseApiEndpoint": settings.endpoints.dataverse_api_endpoint,
            "allowForeignEndpoints": "true" if settings.endpoints.allow_foreign else "false",
        }
    if emulator is not None:
        keys.update(emulator.overrides())
    config = ClientConfig.from_mapping({f"{PROJECT}:{k}": v for k, v in keys.items()})
    if emulator is not None:
        config = dataclasses.replace(config, graph_endpoint_override=emulator.base_url.rstrip("/"))
    url = settings.omnichannel.dataverse_url if settings else config.normalise_environment_url(dataverse_url)
    return Target(url, config, settings, emulator.ca_path if emulator else None)


@contextlib.contextmanager
def trusting(ca_path: Optional[str]) -> Iterator[None]:
    """The emulator's CA trusted (REQUESTS_CA_BUNDLE, as the providers' sessions read it) for the duration
    of one survey, the previous value restored after; nothing changes without a CA."""
    if not ca_path:
        yield
        return
    if not pathlib.Path(ca_path).is_file():
        raise TargetError(f"--ca {ca_path}: no such file; pass the CA the emulator wrote (--ca-out)")
    names = ("REQUESTS_CA_BUNDLE", "NO_PROXY", "no_proxy")
    before = {name: os.environ.get(name) for name in names}
    os.environ.update(
        REQUESTS_CA_BUNDLE=ca_path, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost"
    )
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
