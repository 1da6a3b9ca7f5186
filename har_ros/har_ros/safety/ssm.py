"""ISO/TS 15066 speed and separation monitoring: protective distance and safe speed.

S_p = S_h + S_r + S_s + C + Z_d + Z_r with, for a robot at speed v braking at a
constant deceleration a after a reaction time T_r:
  T_s = v / a (stopping time),  S_s = v^2 / (2 a) (stopping distance),
  S_r = v * T_r,                S_h = v_h * (T_r + T_s).
Solving S_p(v) = d for v gives the largest speed that still stops in time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..common.config import require_finite


@dataclass(frozen=True)
class SsmParameters:
    """Robot and sensing constants of the cell (SI units).

    No defaults here: the safety node's parameters (SafetyNodeConfig) hold them.
    """

    reaction_time: float  # T_r, s: sensing + this node + robot controller
    braking_deceleration: float  # a, m/s^2, from the robot maker's stopping data
    intrusion_distance: float  # C, m (ISO 13855 reach into the zone)
    human_uncertainty: float  # Z_d, m: position error of the skeleton sensing
    robot_uncertainty: float  # Z_r, m: position error of the robot
    nominal_speed: float  # m/s: the robot speed that speed scale 1.0 means

    def validate(self) -> None:
        require_finite(self)
        for name in (
            "reaction_time",
            "intrusion_distance",
            "human_uncertainty",
            "robot_uncertainty",
        ):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("braking_deceleration", "nominal_speed"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")


def constant_margin(p: SsmParameters, extra_margin: float = 0.0) -> float:
    """C + Z_d + Z_r + any rule margin: the distance that no speed can buy back."""
    return p.intrusion_distance + p.human_uncertainty + p.robot_uncertainty + extra_margin


def protective_distance(
    robot_speed: float, human_speed: float, p: SsmParameters, extra_margin: float = 0.0
) -> float:
    """S_p in metres for a robot moving at ``robot_speed`` and a human at ``human_speed``."""
    stopping_time = robot_speed / p.braking_deceleration
    s_h = human_speed * (p.reaction_time + stopping_time)
    s_r = robot_speed * p.reaction_time
    s_s = robot_speed**2 / (2.0 * p.braking_deceleration)
    return s_h + s_r + s_s + constant_margin(p, extra_margin)


def max_safe_speed(
    separation: float, human_speed: float, p: SsmParameters, extra_margin: float = 0.0
) -> float:
    """Largest robot speed v (m/s) with S_p(v) <= separation; 0 when none is.

    v^2/(2a) + v (T_r + v_h/a) + v_h T_r + C_total - d = 0, positive root:
    v = sqrt(a^2 b^2 + 2 a (d - C_total - v_h T_r)) - a b,  b = T_r + v_h / a.
    With v_h = 0 it is the familiar sqrt(a^2 T_r^2 + 2 a (d - C)) - a T_r.
    """
    if not math.isfinite(separation):
        raise ValueError(f"separation must be finite, got {separation}")
    a = p.braking_deceleration
    slack = separation - constant_margin(p, extra_margin) - human_speed * p.reaction_time
    if slack <= 0.0:
        return 0.0
    b = p.reaction_time + human_speed / a
    return math.sqrt(a * a * b * b + 2.0 * a * slack) - a * b


def speed_scale(
    separation: float, human_speed: float, p: SsmParameters, extra_margin: float = 0.0
) -> float:
    """Safe speed as a fraction of the nominal speed, clamped to [0, 1]."""
    v = max_safe_speed(separation, human_speed, p, extra_margin)
    return min(1.0, max(0.0, v / p.nominal_speed))
