import numpy as np
import pytest

from har_ros.safety.node_config import SHIPPED_RULES, SafetyNodeConfig
from har_ros.safety.rules import RuleSet
from har_ros.safety.ssm import speed_scale
from har_ros.safety.zone_rings import zone_rings
from har_ros.safety.zones import RobotZone

RULES = RuleSet.from_yaml(SHIPPED_RULES)


def test_rings_mark_where_the_scale_is_zero_and_where_it_reaches_one():
    rules = RULES
    ssm = SafetyNodeConfig().ssm_parameters()
    rings = zone_rings(RobotZone("circle", (1.0, 2.0), 0.5), ssm, rules)
    rule = rules.conservative
    stop = rings.protective_radius - rings.zone_radius
    full = rings.reduced_radius - rings.zone_radius
    assert rings.centre == (1.0, 2.0) and rings.zone_radius == 0.5
    assert speed_scale(stop - 1e-3, rule.human_speed, ssm, rule.extra_margin) == 0.0
    assert speed_scale(stop + 0.05, rule.human_speed, ssm, rule.extra_margin) > 0.0
    assert speed_scale(full + 1e-3, rule.human_speed, ssm, rule.extra_margin) == pytest.approx(1.0)
    outline = rings.circle(rings.reduced_radius)
    assert np.allclose(np.linalg.norm(outline - [1.0, 2.0], axis=1), rings.reduced_radius)


def test_a_polygon_is_drawn_no_smaller_than_it_is():
    square = RobotZone("polygon", (0.0, 0.0, 2.0, 0.0, 2.0, 2.0, 0.0, 2.0))
    rings = zone_rings(square, SafetyNodeConfig().ssm_parameters(), RULES, offset=(1.0, 0.0))
    assert rings.centre == (2.0, 1.0) and rings.zone_radius == pytest.approx(np.sqrt(2))
