"""Where the robot stops and where it runs at full speed, as rings on the floor (for display).

The protective ring is the robot zone grown by the stop distance of the most
conservative rule (speed 0 inside it), the reduced-speed ring by the distance
at which that rule allows the nominal speed. A circle or point zone grows to
a circle; a polygon is shown grown around its centroid to a circle through
its farthest vertex (drawn larger than it is, never smaller).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rules import RuleSet
from .ssm import SsmParameters, protective_distance
from .zones import RobotZone


@dataclass(frozen=True)
class ZoneRings:
    centre: tuple[float, float]
    zone_radius: float
    protective_radius: float
    reduced_radius: float

    def circle(self, radius: float, segments: int = 48) -> np.ndarray:
        """(segments + 1, 2) closed outline of a ring of ``radius``."""
        a = np.linspace(0.0, 2 * np.pi, segments + 1)
        return np.column_stack(
            [self.centre[0] + radius * np.cos(a), self.centre[1] + radius * np.sin(a)]
        )


def zone_rings(
    zone: RobotZone, ssm: SsmParameters, rules: RuleSet, offset: tuple[float, float] = (0.0, 0.0)
) -> ZoneRings:
    rule = rules.conservative  # what applies to a person of unknown action
    stop = protective_distance(0.0, rule.human_speed, ssm, rule.extra_margin)
    full = protective_distance(ssm.nominal_speed, rule.human_speed, ssm, rule.extra_margin)
    points = np.asarray(zone.points, np.float64).reshape(-1, 2)
    centre = points.mean(axis=0) + np.asarray(offset, np.float64)
    radius = (
        zone.radius
        if zone.kind != "polygon"
        else float(np.max(np.linalg.norm(points - points.mean(axis=0), axis=1)))
    )
    return ZoneRings((float(centre[0]), float(centre[1])), radius, radius + stop, radius + full)
