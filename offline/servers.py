"""Provider-server processes for offline runs, started on first use and kept per (config, environment).

The engine starts one `python -m pulumi.dynamic` per command and configures it once with the whole stack
config; the servicer keeps that configuration for the life of the process (reference §1.4). So a server may
be reused only for the same config and environment: that is the key here. A CLI command uses a pool once;
the trial and the tests keep one across commands so they stay fast, which differs from the engine only in
process lifetime (a token cached by the first command serves the next).
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Mapping, Optional

from .provider_server import ProviderServer

# Inherited variables that would point the providers at a real tenant or change whom they trust: an offline
# run signs in only with what its target gives (the emulator's deployer) and trusts only the emulator's CA.
_CREDENTIAL_PREFIXES = ("ARM_", "AZURE_", "ACTIONS_ID_TOKEN_REQUEST_", "MSAL_")
_TRUST_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


def clean_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without cloud credentials and CA overrides."""
    return {
        k: v
        for k, v in environ.items()
        if not k.upper().startswith(_CREDENTIAL_PREFIXES) and k.upper() not in _TRUST_VARIABLES
    }


class ProviderServers:
    """A small pool of started and configured provider servers; `close()` stops them all."""

    def __init__(self, cwd: pathlib.Path, base_env: Optional[Mapping[str, str]] = None) -> None:
        """`base_env` is what every server starts from: this process's environment without credentials and
        CA overrides unless given."""
        self.cwd = cwd
        self.base_env = clean_environment(os.environ) if base_env is None else dict(base_env)
        self._servers: dict[str, ProviderServer] = {}

    def get(self, project: str, config: Mapping[str, str], env: Mapping[str, str]) -> ProviderServer:
        key = json.dumps([project, dict(config), dict(env)], sort_keys=True)
        server = self._servers.get(key)
        if server is None:
            server = ProviderServer(cwd=str(self.cwd), env=env, project=project, base_env=self.base_env)
            server.start()
            configured = False
            try:
                server.configure(config)
                configured = True
            finally:
                if not configured:
                    server.stop()
            self._servers[key] = server
        return server

    @property
    def started(self) -> int:
        return len(self._servers)

    def close(self) -> None:
        servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.stop()

    def __enter__(self) -> "ProviderServers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
