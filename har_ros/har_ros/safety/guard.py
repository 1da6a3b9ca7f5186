"""The consumer side of the speed command: pass it on while it is fresh, else 0 (ROS-free).

A robot controller that holds the last speed factor it was given would keep
moving at that speed after the safety node died. The guard sits in front of
the controller: it forwards a valid command while the newest one is younger
than ``timeout`` and commands 0 (with the reason) when commands stop, arrive
invalid, or the transport reports the publisher lost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..common.config import param, require, require_finite


@dataclass(frozen=True)
class GuardOutput:
    factor: float
    fresh: bool
    reason: str


class SpeedGuard:
    def __init__(self, timeout: float):
        if not 0 < timeout < math.inf:
            raise ValueError(f"timeout must be > 0 s and finite, got {timeout}")
        self.timeout = timeout
        self._value: float | None = None
        self._at: float | None = None
        self._lost_reason: str | None = None
        self.rejected = 0

    def on_command(self, now: float, value: float) -> None:
        """A speed command arrived at ``now`` (s, monotonic)."""
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            self.rejected += 1
            self._value, self._at = None, now
            self._lost_reason = f"invalid command {value!r} (must be in [0, 1])"
            return
        self._value, self._at, self._lost_reason = float(value), now, None

    def on_lost(self, reason: str) -> None:
        """The transport says the publisher is gone or late (liveliness / deadline)."""
        self._value, self._lost_reason = None, reason

    def output(self, now: float) -> GuardOutput:
        if self._lost_reason is not None:
            return GuardOutput(0.0, False, self._lost_reason)
        if self._at is None or self._value is None:
            return GuardOutput(0.0, False, "no speed command received yet")
        age = now - self._at
        if age > self.timeout:
            return GuardOutput(
                0.0, False, f"speed command stale: {age:.2f} s old (timeout {self.timeout:.2f} s)"
            )
        return GuardOutput(self._value, True, "ok")


@dataclass(frozen=True)
class SpeedGuardConfig:
    """Parameters of the speed_guard node."""

    timeout: float = param(
        0.2, "s without a speed command before the guard commands 0", limits=(0.0, 5.0)
    )
    rate_hz: float = param(50.0, "output rate to the controller, Hz", limits=(1.0, 1000.0))
    target_topic: str = param(
        "/joint_trajectory_controller/speed_scaling_input",
        "controller's speed scaling input (SpeedScalingFactor)",
        read_only=True,
    )

    def validate(self) -> None:
        require_finite(self)
        require(self.timeout > 0, f"timeout must be > 0 s, got {self.timeout}")
        require(self.rate_hz >= 1.0, f"rate_hz must be >= 1 Hz, got {self.rate_hz}")
        require(bool(self.target_topic), "target_topic must not be empty")

    @property
    def bound_s(self) -> float:
        """Longest time from the last command to a 0 at the controller (plus transport)."""
        return self.timeout + 1.0 / self.rate_hz
