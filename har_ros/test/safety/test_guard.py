"""The speed guard: fresh valid commands pass, silence, junk and a lost publisher give 0."""

import dataclasses
import math

import pytest

from har_ros.safety.guard import SpeedGuard, SpeedGuardConfig


def test_nothing_received_means_zero():
    out = SpeedGuard(0.2).output(10.0)
    assert out.factor == 0.0 and not out.fresh and "no speed command" in out.reason


def test_a_fresh_command_passes_then_goes_stale():
    guard = SpeedGuard(0.2)
    guard.on_command(1.0, 0.7)
    assert guard.output(1.15).factor == 0.7
    stale = guard.output(1.25)
    assert stale.factor == 0.0 and "stale" in stale.reason


@pytest.mark.parametrize("value", [math.nan, math.inf, -0.1, 1.5])
def test_invalid_commands_give_zero_and_are_counted(value):
    guard = SpeedGuard(0.2)
    guard.on_command(1.0, 0.5)
    guard.on_command(1.01, value)
    out = guard.output(1.02)
    assert out.factor == 0.0 and "invalid" in out.reason and guard.rejected == 1
    guard.on_command(1.03, 0.4)  # and a valid one recovers
    assert guard.output(1.04).factor == 0.4


def test_lost_publisher_gives_zero_until_the_next_command():
    guard = SpeedGuard(0.2)
    guard.on_command(1.0, 0.9)
    guard.on_lost("publisher lost (liveliness)")
    assert guard.output(1.01).factor == 0.0
    guard.on_command(1.02, 0.9)
    assert guard.output(1.03).factor == 0.9


def test_timeout_must_be_positive():
    with pytest.raises(ValueError, match="timeout"):
        SpeedGuard(0.0)


@pytest.mark.parametrize(
    "change", [{"timeout": float("inf")}, {"rate_hz": float("inf")}, {"timeout": float("nan")}]
)
def test_speed_guard_refuses_infinite_limits(change):
    """Found and fixed: timeout=inf meant a dead safety node was never noticed."""
    with pytest.raises(ValueError, match="must be finite"):
        dataclasses.replace(SpeedGuardConfig(), **change).validate()
    with pytest.raises(ValueError, match="finite"):
        SpeedGuard(float("inf"))
