"""The pack started the way the Pulumi CLI starts a Python policy pack, and spoken to over its gRPC protocol.

The CLI's `pulumi-analyzer-policy-python` shim runs `<venv>/bin/python -u -m pulumi.policy <engine> <pack>`,
which runs `policy/__main__.py`; the pack prints its port and serves the Analyzer service. This test does
the same with the pack's venv, asks for the pack's policies, analyzes one resource, and stops the server.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import threading

import pytest

pytest.importorskip(
    "pulumi_policy", reason="the policy pack has its own venv: `make test` runs these tests in policy/venv"
)

import grpc  # noqa: E402
from google.protobuf import empty_pb2, struct_pb2  # noqa: E402
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
QUEUE = "pulumi-python:dynamic/omnichannel:QueueMembership"
BINDING = "handoff:omnichannel:OmnichannelBinding"
ENDPOINTS = "handoff:endpoints:ApiEndpoints"


@pytest.fixture
def analyzer():
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(ROOT / "policy")],
        cwd=ROOT / "policy",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first_line: list[str] = []
    reader = threading.Thread(target=lambda: first_line.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=60)
    try:
        assert first_line and first_line[0].strip().isdigit(), (
            f"the pack did not print its port: {first_line} {process.stderr.read() if process.poll() else ''}"
        )
        with grpc.insecure_channel(f"127.0.0.1:{first_line[0].strip()}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_the_pack_serves_its_policies_to_the_engine(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == "handoff-policies"
    levels = {policy.name: policy.enforcementLevel for policy in info.policies}
    assert levels["binding-resources-protected"] == analyzer_pb2.MANDATORY
    assert levels["dataverse-matches-geography"] == analyzer_pb2.MANDATORY
    assert levels["prefer-federated-credentials"] == analyzer_pb2.ADVISORY
    assert levels["endpoints-stay-in-cloud"] == analyzer_pb2.MANDATORY
    assert len(levels) == 9


def test_the_engine_gets_a_mandatory_violation_for_an_unprotected_binding_resource(analyzer):
    properties = struct_pb2.Struct()
    properties.update({"environmentUrl": "https://contoso.crm4.dynamics.com", "botAppId": "7" * 8})
    request = analyzer_pb2.AnalyzeRequest(
        type=QUEUE,
        name="binding-queue",
        urn=f"urn:pulumi:prod::handoff::{BINDING}${QUEUE}::binding-queue",
        properties=properties,
        options=analyzer_pb2.AnalyzerResourceOptions(protect=False),
    )
    response = analyzer.Analyze(request, timeout=30)
    [diagnostic] = [d for d in response.diagnostics if d.policyName == "binding-resources-protected"]
    assert diagnostic.enforcementLevel == analyzer_pb2.MANDATORY
    assert "'binding-queue' must be protected" in diagnostic.message


def test_the_engine_gets_a_mandatory_violation_for_an_endpoint_override_outside_the_cloud(analyzer):
    properties = struct_pb2.Struct()
    properties.update(
        {
            "cloud": "public",
            "authorityHost": "",
            "resourceManagerEndpoint": "",
            "dataverseApiEndpoint": "https://proxy.example.net/api/data/v9.2",
            "allowForeignEndpoints": False,
        }
    )
    request = analyzer_pb2.AnalyzeRequest(
        type=ENDPOINTS,
        name="api-endpoints",
        urn=f"urn:pulumi:prod::handoff::{ENDPOINTS}::api-endpoints",
        properties=properties,
        options=analyzer_pb2.AnalyzerResourceOptions(protect=False),
    )
    response = analyzer.Analyze(request, timeout=30)
    [diagnostic] = [d for d in response.diagnostics if d.policyName == "endpoints-stay-in-cloud"]
    assert diagnostic.enforcementLevel == analyzer_pb2.MANDATORY
    assert "handoff:dataverseApiEndpoint is https://proxy.example.net" in diagnostic.message
