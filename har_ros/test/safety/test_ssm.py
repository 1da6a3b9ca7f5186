"""ISO/TS 15066 formulas against hand-computed values and their own inverse."""

import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from har_ros.safety.ssm import (
    SsmParameters,
    constant_margin,
    max_safe_speed,
    protective_distance,
    speed_scale,
)

P = SsmParameters(
    reaction_time=0.2,
    braking_deceleration=2.0,
    intrusion_distance=0.1,
    human_uncertainty=0.05,
    robot_uncertainty=0.05,
    nominal_speed=1.0,
)


def test_protective_distance_by_hand():
    # v=1, v_h=1.6: T_s=0.5, S_h=1.6*0.7=1.12, S_r=0.2, S_s=0.25, C+Z=0.2 -> 1.77
    assert protective_distance(1.0, 1.6, P) == pytest.approx(1.77)
    assert protective_distance(0.0, 0.0, P) == pytest.approx(0.2)
    assert protective_distance(0.0, 0.0, P, extra_margin=0.3) == pytest.approx(0.5)


def test_notes_closed_form_when_the_human_stands_still():
    d, a, tr, c = 1.0, P.braking_deceleration, P.reaction_time, constant_margin(P)
    expected = math.sqrt(a * a * tr * tr + 2 * a * (d - c)) - a * tr
    assert max_safe_speed(d, 0.0, P) == pytest.approx(expected)


def test_zero_inside_the_constant_margin():
    assert max_safe_speed(0.19, 0.0, P) == 0.0
    assert speed_scale(-1.0, 1.6, P) == 0.0


@given(st.floats(0.0, 10.0), st.floats(0.0, 2.5))
def test_max_safe_speed_inverts_protective_distance(separation, human_speed):
    v = max_safe_speed(separation, human_speed, P)
    assert v >= 0.0
    if v > 0:
        assert protective_distance(v, human_speed, P) == pytest.approx(separation, abs=1e-9)


@given(st.floats(0.0, 10.0), st.floats(0.0, 10.0), st.floats(0.0, 2.5))
def test_scale_is_monotone_in_separation_and_bounded(d1, d2, human_speed):
    lo, hi = sorted((d1, d2))
    s_lo, s_hi = speed_scale(lo, human_speed, P), speed_scale(hi, human_speed, P)
    assert 0.0 <= s_lo <= s_hi <= 1.0


def test_parameters_are_validated():
    with pytest.raises(ValueError, match="braking_deceleration"):
        replace(P, braking_deceleration=0.0).validate()
    with pytest.raises(ValueError, match="reaction_time"):
        replace(P, reaction_time=-0.1).validate()
    with pytest.raises(ValueError, match="finite"):
        max_safe_speed(math.nan, 1.0, P)
