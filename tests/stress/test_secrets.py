"""No secret value leaves where it belongs (issue 8).

A full offline run of the prod stack (an Azure bot: it has an app registration) with `createClientSecret:
true` and its GitHub federated credential (githubOidcSubjects): `up`, a portal-like change, `refresh
--preview-only` (drift), `up --refresh`, a clean refresh, then two failures that produce messages: a refresh
with a wrong deployer credential and a delete the binding's provider refuses. The deployer signs in with its
client secret, with a federated token (ARM_USE_OIDC + ARM_OIDC_TOKEN) or with a workload-identity token file
(AZURE_FEDERATED_TOKEN_FILE).

Every artefact is then scanned: the state directory's files, and the state opened (sealed values decrypted,
the pickled `__provider` blobs base64-decoded and unpickled); what the runner printed (as `python -m offline`
prints it) and everything this process wrote to stdout and stderr; each provider server's stderr; the drift
report; the emulator's request log and state dumps; every exception message and traceback; and the JSON and
Markdown reports `python -m drift --from-event-log` makes of the run's drift. None holds the deployer's client
secret, a wrong secret tried, the portal administrator's secret, a federated token or its signature, any
access token the emulator issued (recorded as it mints them) or its signature, or the bot's client secret (the
mocks' `mock-secret-<8 hex>` value of the azuread ApplicationPassword). That last one is in state only sealed
(offline/secret_box.py), under the two keys that hold it: the ApplicationPassword's `value` output and the
`botClientSecret` stack output, which stays a secret output.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import pathlib
import stat
from typing import Any, Iterator, Mapping

import dill
import pytest

from drift import cli as drift_cli
from drift.exitcodes import AUTHENTICATION
from emulator.dataverse.testing import PROD_BOT_APP
from emulator.entra.testing import DEPLOYER_APP, GITHUB_DEV_SUBJECT, TENANT, fixture_secret
from offline import report
from offline.emulator import PORTAL_ADMIN_SEED, EmulatorTarget
from offline.portal import Binding, apply_change
from offline.program import ROOT
from offline.provider_server import ProviderError
from offline.runner import CHANGES_FOUND, SUCCESS, OfflineRunner
from offline.secret_box import SECRET_SIG, SIG_KEY, SecretBox, SecretBoxError, is_sealed
from offline.servers import ProviderServers
from offline.state import PROVIDER_KEY, StateFile

PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
WRONG_SECRET = "wrong-deployer-secret-5d41402abc4b2a76"  # distinctive: found only if it leaked
PORTAL_ADMIN_SECRET = json.loads(PORTAL_ADMIN_SEED.read_text(encoding="utf-8"))["directory"]["applications"][
    0
]["passwordCredentials"][0]["secretText"]
MODES = ("client-secret", "federated-token", "federated-token-file")


@dataclasses.dataclass
class Credentials:
    """The provider server's environment for one way of signing in, a wrong one, and their secrets."""

    env: dict
    wrong_env: dict
    secrets: dict


def credentials(mode: str, emulator, directory: pathlib.Path) -> Credentials:
    trust = {
        "REQUESTS_CA_BUNDLE": emulator.ca_path,
        "ARM_USE_CLI": "false",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    if mode == "client-secret":
        base = {**trust, "ARM_CLIENT_ID": DEPLOYER_APP, "ARM_TENANT_ID": TENANT}
        return Credentials(
            {**base, "ARM_CLIENT_SECRET": fixture_secret(DEPLOYER_APP)},
            {**base, "ARM_CLIENT_SECRET": WRONG_SECRET},
            {},
        )
    token = emulator.federated_token(GITHUB_DEV_SUBJECT)
    # A token the issuer signed for a subject the deployer has no federated credential for.
    stranger = emulator.federated_token("repo:contoso/someone-else:environment:dev")
    secrets = {
        "federated token": token,
        "federated token signature": token.rsplit(".", 1)[1],
        "wrong federated token": stranger,
        "wrong token signature": stranger.rsplit(".", 1)[1],
    }
    if mode == "federated-token":
        base = {**trust, "ARM_CLIENT_ID": DEPLOYER_APP, "ARM_TENANT_ID": TENANT, "ARM_USE_OIDC": "true"}
        return Credentials({**base, "ARM_OIDC_TOKEN": token}, {**base, "ARM_OIDC_TOKEN": stranger}, secrets)
    good, wrong = directory / "token", directory / "wrong-token"
    good.write_text(token, encoding="ascii")
    wrong.write_text(stranger, encoding="ascii")
    base = {**trust, "AZURE_CLIENT_ID": DEPLOYER_APP, "AZURE_TENANT_ID": TENANT}
    return Credentials(
        {**base, "AZURE_FEDERATED_TOKEN_FILE": str(good)},
        {**base, "AZURE_FEDERATED_TOKEN_FILE": str(wrong)},
        secrets,
    )


@pytest.fixture
def minted(emulator, monkeypatch) -> list[str]:
    """Every access token the emulator issues from now on (it runs in this process)."""
    tokens: list[str] = []
    authority = emulator.app.ctx.tokens
    mint = authority.mint

    def recording(**claims: Any):
        token, expires = mint(**claims)
        tokens.append(token)
        return token, expires

    monkeypatch.setattr(authority, "mint", recording)
    return tokens


@dataclasses.dataclass
class Run:
    """What one full offline run left behind."""

    state_dir: pathlib.Path
    printed: io.StringIO = dataclasses.field(default_factory=io.StringIO)  # the CLI's stdout
    errors: io.StringIO = dataclasses.field(default_factory=io.StringIO)  # the CLI's stderr
    messages: list[str] = dataclasses.field(default_factory=list)  # exceptions, tracebacks
    server_logs: dict[str, str] = dataclasses.field(default_factory=dict)
    bot_secret: str = ""
    secret_outputs: frozenset = frozenset()
    drift: Any = None  # the RefreshReport
    drift_log: Any = None  # the event log of the refresh that found the drift

    def say(self, lines) -> None:
        report.emit(self.printed, lines)


def full_run(target: EmulatorTarget, creds: Credentials, state_dir: pathlib.Path) -> Run:
    run = Run(state_dir)
    overrides = {**target.overrides(), "createClientSecret": True, "clientSecretRotation": "2025-q3"}
    with ProviderServers(ROOT) as servers:

        def runner(env: Mapping[str, str]) -> OfflineRunner:
            return OfflineRunner(
                "prod",
                state_dir=state_dir,
                overrides=overrides,
                provider_env=env,
                servers=servers,
                on_step=lambda event: run.say(report.event_lines(event)),
                on_refresh=lambda r, drift: run.say([report.refresh_line(r, drift)]),
            )

        deployer = runner(creds.env)
        up = deployer.up()
        assert up.exit_code == SUCCESS, up.failure
        run.bot_secret, run.secret_outputs = up.outputs["botClientSecret"], up.secret_outputs
        run.say(["Outputs:", *report.output_lines(up.outputs, up.secret_outputs)])
        config = deployer.config()
        run.say([apply_change("remove-queue-membership", target, Binding.from_config(config, PROD_BOT_APP))])
        drifted = deployer.refresh_preview(state_dir / "drifted-refresh-events.jsonl")
        assert drifted.exit_code == CHANGES_FOUND, drifted.failure
        run.drift_log = drifted.event_log
        run.say(report.drift_lines(drifted.report))
        run.drift = drifted.report
        remediated = deployer.up(refresh=True)
        assert remediated.exit_code == SUCCESS, remediated.failure
        run.say(["Outputs:", *report.output_lines(remediated.outputs, remediated.secret_outputs)])
        assert deployer.refresh_preview().exit_code == SUCCESS

        refused_login = runner(creds.wrong_env).refresh_preview()
        # Reported from the refresh's event log by the drift command's code: an authentication error.
        assert refused_login.exit_code == AUTHENTICATION and refused_login.failure.op == "read"
        report.emit(run.errors, report.failure_lines(refused_login.failure))
        run.messages.append(refused_login.failure.message)

        # The same failure straight from the provider server: the whole traceback, not just its last line.
        recorded = next(r for r in StateFile(state_dir, "handoff", "prod").load().resources if r.dynamic)
        wrong = servers.get(deployer.project, config, creds.wrong_env)
        with pytest.raises(ProviderError) as refused_read:
            wrong.read(recorded.id, recorded.urn, recorded.outputs, recorded.inputs)
        assert "AADSTS" in refused_read.value.details
        run.messages += [str(refused_read.value), refused_read.value.details]

        server = servers.get(deployer.project, config, creds.env)
        with pytest.raises(ProviderError) as refused_delete:
            server.delete(recorded.id, recorded.urn, recorded.outputs)
        assert "refusing to delete" in refused_delete.value.message
        run.messages += [str(refused_delete.value), refused_delete.value.details]
        run.server_logs = {
            "deployer's provider server": server.stderr(),
            "wrong login's provider server": wrong.stderr(),
        }
    return run


# --- what to look for, and where ----------------------------------------------------------------------------
def needles(secrets: Mapping[str, str]) -> dict[str, bytes]:
    """Each secret as bytes, and base64 forms of the short ones (a blob may hold them encoded)."""
    found: dict[str, bytes] = {}
    for name, value in secrets.items():
        assert len(value) >= 16, name  # long enough that a hit is never a coincidence
        raw = value.encode()
        found[name] = raw
        if len(value) < 200:
            found[f"{name} (base64)"] = base64.b64encode(raw).rstrip(b"=")
            found[f"{name} (base64url)"] = base64.urlsafe_b64encode(raw).rstrip(b"=")
    return found


def leaks(secrets: Mapping[str, str], artefacts: Mapping[str, Any]) -> list[str]:
    found = needles(secrets)
    hits = []
    for where, content in artefacts.items():
        data = content if isinstance(content, bytes) else str(content).encode("utf-8", "backslashreplace")
        hits += [f"{name} in {where}" for name, needle in found.items() if needle in data]
    return hits


def sealed_values(document: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """(path, sealed value) of every sealed value in a state document."""
    if is_sealed(document):
        yield path, document
    elif isinstance(document, dict):
        for key, value in document.items():
            yield from sealed_values(value, f"{path}.{key}" if path else key)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from sealed_values(value, f"{path}[{index}]")


def opened_state(state_dir: pathlib.Path) -> dict[str, Any]:
    """Every sealed value opened, and each pickled provider decoded and unpickled: path -> what it holds."""
    box = SecretBox.for_directory(state_dir)
    document = json.loads((state_dir / "prod.json").read_text(encoding="utf-8"))
    opened: dict[str, Any] = {}
    for path, sealed in sealed_values(document):
        value = box.open(sealed)
        opened[path] = json.dumps(value)
        if path.endswith(f".{PROVIDER_KEY}"):
            pickle = base64.b64decode(value)
            provider = dill.loads(pickle)
            assert vars(provider) == {}, path  # a reference to the class: no client, no credential
            opened[f"{path} (pickle)"] = pickle
            opened[f"{path} (unpickled)"] = f"{type(provider)!r} {vars(provider)!r}"
    return opened


def artefacts(run: Run, target: EmulatorTarget, captured) -> dict[str, Any]:
    files = {f"state file {path.name}": path.read_bytes() for path in sorted(run.state_dir.iterdir())}
    return {
        **files,
        "runner output": run.printed.getvalue(),
        "runner errors": run.errors.getvalue(),
        "process stdout": captured.out,
        "process stderr": captured.err,
        **run.server_logs,
        **{f"exception message {i}": message for i, message in enumerate(run.messages)},
        "emulator request log": json.dumps(target.requests()),
        **{
            f"emulator {service} state": json.dumps(target.state(service))
            for service in ("graph", "arm", "dataverse")
        },
    }


# --- the tests ----------------------------------------------------------------------------------------------
@pytest.fixture
def target(emulator) -> EmulatorTarget:
    world = EmulatorTarget(emulator.base_url, emulator.ca_path)
    world.seed_for_offline_runs()
    return world


@pytest.mark.parametrize("mode", MODES)
def test_no_secret_reaches_state_logs_reports_or_messages(mode, emulator, target, minted, tmp_path, capfd):
    creds = credentials(mode, emulator, tmp_path)
    run = full_run(target, creds, tmp_path / "state")
    assert run.bot_secret.startswith("mock-secret-") and minted
    secrets = {
        "deployer client secret": fixture_secret(DEPLOYER_APP),
        "wrong client secret": WRONG_SECRET,
        "portal administrator secret": PORTAL_ADMIN_SECRET,
        **creds.secrets,
        **{f"access token {i}": token for i, token in enumerate(minted)},
        **{f"access token {i} signature": token.rsplit(".", 1)[1] for i, token in enumerate(minted)},
    }
    found = artefacts(run, target, capfd.readouterr())
    opened = opened_state(run.state_dir)

    assert leaks({**secrets, "bot client secret": run.bot_secret}, found) == []
    assert leaks(secrets, opened) == []
    # The bot's secret is in state only sealed, under the two keys that hold it.
    assert {path for path in opened if run.bot_secret in str(opened[path])} == {
        "outputs.botClientSecret",
        f"resources[{password_index(run.state_dir)}].outputs.value",
    }


def password_index(state_dir: pathlib.Path) -> int:
    resources = json.loads((state_dir / "prod.json").read_text(encoding="utf-8"))["resources"]
    [index] = [i for i, r in enumerate(resources) if r["type"] == PASSWORD]
    return index


def test_secrets_are_sealed_in_state_as_the_secret_box_says_and_exports_stay_secret(
    emulator, target, minted, tmp_path
):
    state_dir = tmp_path / "state"
    run = full_run(target, credentials("client-secret", emulator, tmp_path), state_dir)
    document = json.loads((state_dir / "prod.json").read_text(encoding="utf-8"))
    sealed = dict(sealed_values(document))

    # Sealed: the engine's secret signature and a versioned AES-GCM ciphertext (12-byte nonce, 16-byte tag), a
    # fresh nonce each time (two seals of one value differ), under a 0600 key of 32 bytes beside the state.
    assert sealed and all(
        set(value) == {SIG_KEY, "ciphertext"} and value[SIG_KEY] == SECRET_SIG for value in sealed.values()
    )
    ciphertexts = [value["ciphertext"] for value in sealed.values()]
    assert all(text.startswith("v1:") and len(base64.b64decode(text[3:])) > 28 for text in ciphertexts)
    assert len(set(ciphertexts)) == len(ciphertexts)
    key_file = state_dir / "secrets.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.b64decode(key_file.read_text(encoding="ascii"))) == 32
    with pytest.raises(SecretBoxError):
        SecretBox(bytes(32)).open(sealed["outputs.botClientSecret"])

    # What is sealed: the secret stack output, the password's value, and every pickled provider.
    dynamic = [
        i for i, r in enumerate(document["resources"]) if r["type"].startswith("pulumi-python:dynamic/")
    ]
    assert len(dynamic) == 5  # an Azure bot's binding: no Copilot Studio agent
    expected = {
        "outputs.botClientSecret",
        f"resources[{password_index(state_dir)}].outputs.value",
        *(f"resources[{i}].{bag}.{PROVIDER_KEY}" for i in dynamic for bag in ("inputs", "outputs")),
    }
    assert set(sealed) == expected
    box = SecretBox.for_directory(state_dir)
    assert box.open(sealed["outputs.botClientSecret"]) == run.bot_secret

    # The export stays secret: in the program's outputs, in what the runner prints, and after a reload.
    assert run.secret_outputs == frozenset({"botClientSecret"})
    assert "botClientSecret" in run.printed.getvalue() and "= [secret]" in run.printed.getvalue()
    reloaded = StateFile(state_dir, "handoff", "prod").load()
    assert reloaded.secret_outputs == frozenset({"botClientSecret"})
    assert reloaded.outputs["botClientSecret"] == run.bot_secret
    [password] = [r for r in reloaded.resources if r.type == PASSWORD]
    assert "value" in password.secret_outputs


def envelope(value: Any) -> dict:
    """A secret as `--show-secrets` serialises it: the signature and the value's JSON in plaintext."""
    return {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(value)}


def shown(bag: Mapping[str, Any], plain: Mapping[str, Any]) -> dict:
    """`bag` of an event's state with every blinded secret replaced by its value in plaintext, as
    `--event-log` writes it with `--show-secrets` (stack.SerializeProperties with showSecrets)."""
    return {
        key: envelope(plain.get(key))
        if isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG
        else value
        for key, value in bag.items()
    }


def worst_case_event_log(run: Run, rotated: str) -> list[dict]:
    """The event log of the run's drifted refresh as `--show-secrets` would write it (the worst case for
    drift/: every secret in plaintext), plus the bot's secret rotated in the portal (a native provider's
    update with a detailed diff, the shape of the recorded TestRefreshBasics streams), and the run's error
    messages as warning diagnostics (an error diagnostic would make the stack an error, not drift)."""
    recorded = {r.urn: r for r in StateFile(run.state_dir, "handoff", "prod").load().resources}
    events = [json.loads(line) for line in run.drift_log.read_text(encoding="utf-8").splitlines()]
    for event in events:
        for kind in ("resourcePreEvent", "resOutputsEvent"):
            metadata = (event.get(kind) or {}).get("metadata")
            for side in ("old", "new") if metadata else ():
                state = metadata.get(side)
                if state:
                    plain = recorded[state["urn"]]
                    state["inputs"] = shown(state["inputs"], plain.inputs)
                    state["outputs"] = shown(state["outputs"], plain.outputs)
    summary = next(e for e in events if "summaryEvent" in e)
    tail = events[events.index(summary) :]
    body = events[: events.index(summary)]
    [password] = [r for r in recorded.values() if r.type == PASSWORD]
    old = {
        "type": PASSWORD,
        "urn": password.urn,
        "custom": True,
        "id": password.id,
        "parent": password.parent,
        "inputs": shown(dict(password.inputs), password.inputs),
        "outputs": {
            k: envelope(v) if k in password.secret_outputs else v for k, v in password.outputs.items()
        },
        "provider": password.provider,
    }
    new = {**old, "outputs": {**old["outputs"], "value": envelope(rotated)}}
    step = {"op": "update", "urn": password.urn, "type": PASSWORD, "old": old, "new": new}
    body += [
        {
            "sequence": 0,
            "timestamp": 0,
            "resourcePreEvent": {
                "metadata": {
                    **step,
                    "op": "refresh",
                    "new": old,
                    "detailedDiff": None,
                    "provider": password.provider,
                },
                "planning": True,
            },
        },
        {
            "sequence": 0,
            "timestamp": 0,
            "resOutputsEvent": {
                "metadata": {
                    **step,
                    "diffs": ["value"],
                    "detailedDiff": {"value": {"diffKind": "update", "inputDiff": False}},
                    "provider": password.provider,
                },
                "planning": True,
            },
        },
        *(
            {
                "sequence": 0,
                "timestamp": 0,
                "diagnosticEvent": {"message": message, "color": "raw", "severity": "warning"},
            }
            for message in run.messages
        ),
    ]
    changes = summary["summaryEvent"]["resourceChanges"]
    changes["update"] = changes.get("update", 0) + 1
    return body + tail


def test_drift_reports_of_the_run_hold_no_secret_even_from_an_event_log_with_secrets_shown(
    emulator, target, minted, tmp_path
):
    creds = credentials("client-secret", emulator, tmp_path)
    run = full_run(target, creds, tmp_path / "state")
    rotated = "mock-secret-rotated-in-the-portal-0c1d"
    log = tmp_path / "refresh-prod.jsonl"
    log.write_text(
        "".join(json.dumps(e) + "\n" for e in worst_case_event_log(run, rotated)), encoding="utf-8"
    )
    reports = {}
    for fmt in ("json", "markdown"):
        out = tmp_path / f"drift.{fmt}"
        code = drift_cli.main(
            ["--from-event-log", f"prod={log}", "--format", fmt, "--output", str(out), "--quiet"]
        )
        assert code == 7, out.read_text()
        reports[f"drift {fmt} report"] = out.read_text(encoding="utf-8")
    document_ = json.loads(reports["drift json report"])
    assert {r["name"] for r in document_["stacks"][0]["drift"]} == {"omnichannel-queue", "bot-secret"}
    assert "[secret]" in reports["drift markdown report"]
    provider_blob = next(
        r for r in StateFile(run.state_dir, "handoff", "prod").load().resources if r.dynamic
    ).inputs[PROVIDER_KEY]
    assert (
        leaks(
            {
                "bot client secret": run.bot_secret,
                "rotated bot client secret": rotated,
                "deployer client secret": fixture_secret(DEPLOYER_APP),
                "pickled provider": provider_blob,
                **{f"access token {i}": token for i, token in enumerate(minted)},
            },
            reports,
        )
        == []
    )


# --- the hostile answers' paths (issue 15) ------------------------------------------------------------------
HOSTILE_FAULTS = (
    # what answers in Microsoft's place, on the token request, then on the first API request of a create
    {
        "method": "POST",
        "path": r"/oauth2/v2\.0/token$",
        "kind": "redirect",
        "status": 307,
        "location": "https://127.0.0.1:9/steal?client_secret=x",
    },
    {
        "method": "GET",
        "path": r"/api/data/v9\.2/",
        "kind": "redirect",
        "status": 302,
        "location": "https://127.0.0.1:9/steal",
    },
    {
        "method": "GET",
        "path": r"/api/data/v9\.2/",
        "kind": "body",
        "status": 200,
        "body": "<html>Sign in</html>",
        "content_type": "text/html",
    },
    {
        "method": "POST",
        "path": r"/api/data/v9\.2/systemusers$",
        "kind": "body",
        "status": 201,
        "body": '{"systemuserid": ',
    },
    {
        "method": "GET",
        "path": r"/api/data/v9\.2/",
        "kind": "status",
        "status": 429,
        "retry_after": "soon",
        "count": 2,
    },
    # a service that echoes what it got: the deployer's own secret must not come back in a message
    {
        "method": "GET",
        "path": r"/api/data/v9\.2/",
        "kind": "body",
        "status": 400,
        "body": json.dumps(
            {"error": {"code": "0x80040220", "message": f"echo {fixture_secret(DEPLOYER_APP)}"}}
        ),
    },
)


@pytest.mark.parametrize("fault", HOSTILE_FAULTS, ids=lambda f: f"{f['kind']}-{f['status']}")
def test_hostile_answers_leak_no_secret_into_messages_or_provider_logs(fault, emulator, minted):
    from tests.providers.support import Binding, start_server

    server = start_server(emulator)
    try:
        binding = Binding(server)
        emulator.inject(**fault)
        messages = []
        try:
            binding.deploy(("user",))
        except ProviderError as error:
            messages += [error.message, getattr(error, "details", "") or ""]
        log = server.stderr()
    finally:
        server.stop()
    artefacts = {"messages": "\n".join(messages), "provider stderr": log}
    secrets = {"deployer secret": fixture_secret(DEPLOYER_APP)}
    secrets.update({f"minted token {n}": token for n, token in enumerate(minted)})
    assert leaks(secrets, artefacts) == []
    assert "steal" not in artefacts["messages"] and "client_secret=x" not in artefacts["messages"]
