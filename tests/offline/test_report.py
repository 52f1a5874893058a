"""What offline runs print: secrets never, unknown outputs as such, one line per step and per changed
property."""

from __future__ import annotations

from pulumi.output import Unknown
from pulumi.runtime import rpc

from offline import report
from offline.refresh import Drift, RefreshReport
from offline.steps import StepEvent
from offline.values import ABSENT, PropertyChange

URN = (
    "urn:pulumi:dev::handoff::handoff:omnichannel:OmnichannelBinding$pulumi-python:dynamic/x:Y::omnichannel-y"
)


def test_secret_outputs_are_masked_and_unknown_ones_say_when_they_will_be_known():
    lines = report.output_lines(
        {"token": "s3cret", "later": Unknown(), "alsoLater": rpc.UNKNOWN, "plain": 1}, secret={"token"}
    )
    text = "\n".join(lines)
    assert "s3cret" not in text and "token     = [secret]" in text
    assert text.count("(known after up)") == 2 and "plain     = 1" in text


def test_a_drifted_secret_property_is_reported_without_its_values():
    drift = Drift(
        URN,
        "pulumi-python:dynamic/x:Y",
        "changed",
        (
            PropertyChange("password", "old-s3cret", "new-s3cret", secret=True),
            PropertyChange("member", True, ABSENT),
        ),
    )
    text = "\n".join(report.drift_lines(RefreshReport((URN,), (drift,), ())))
    assert "old-s3cret" not in text and "new-s3cret" not in text
    assert "password: [secret] => [secret]" in text and "member: True => (absent)" in text
    assert "(recorded => live)" in text


def test_a_step_line_shows_the_operation_the_name_and_whether_it_was_mocked_or_previewed():
    event = StepEvent(
        "update",
        URN,
        "pulumi-python:dynamic/x:Y",
        preview=True,
        changes=(PropertyChange("member", False, True),),
    )
    assert report.event_lines(event) == [
        " ~ update  omnichannel-y            pulumi-python:dynamic/x:Y (preview)",
        "       member: False => True",
    ]
    native = StepEvent(
        "same",
        "urn:pulumi:dev::handoff::azuread:index/application:Application::bot-app",
        "azuread:index/application:Application",
        mocked=True,
    )
    assert (
        report.step_line(native)
        == " = same    bot-app                  azuread:index/application:Application [mocked]"
    )
