"""Self-checks: each names the set-up mistake it exists for, and passes a good set-up."""

import pytest

from har_ros.common.self_check import (
    SelfCheck,
    camera_info_problem,
    depth_units_problem,
    overload_problem,
    rate_problem,
)

GOOD_K = (600.0, 0, 320, 0, 600.0, 240, 0, 0, 1)


def test_camera_info():
    assert camera_info_problem(GOOD_K) is None
    assert "all zeros" in camera_info_problem([0.0] * 9)
    assert "fx -1" in camera_info_problem((-1, 0, 320, 0, 600, 240, 0, 0, 1))
    assert "9 finite" in camera_info_problem([float("nan")] * 9)
    assert "9 finite" in camera_info_problem([1.0] * 4)


@pytest.mark.parametrize(
    ("depths", "problem"),
    [
        ([1.5, 2.0, 3.1], None),
        ([1500.0, 2000.0], "> 20.0 m: depth units wrong (millimetres"),
        ([0.0015, 0.002], "< 0.2 m: depth units wrong"),
        ([], None),
        ([float("nan")], None),  # nobody with depth: nothing to judge
    ],
)
def test_depth_units(depths, problem):
    found = depth_units_problem(depths)
    assert found is None if problem is None else problem in found


def test_rate_below_half_its_expectation():
    assert rate_problem("image", 16.0, 30.0) is None
    assert rate_problem("image", 14.0, 30.0) == "image at 14.0 Hz, expected 30 Hz"
    assert rate_problem("image", 0.0, 0.0) is None  # no expectation set


def test_a_passing_check_clears_its_problem():
    check = SelfCheck()
    check.set("rate", "image at 3.0 Hz, expected 30 Hz")
    check.set("camera_info", "camera_info K is all zeros")
    assert check.summary() == "image at 3.0 Hz, expected 30 Hz; camera_info K is all zeros"
    check.set("rate", None)
    assert check.problems == ["camera_info K is all zeros"]


def test_overload_is_named_when_under_four_fifths_of_the_frames_are_processed():
    assert overload_problem(30.0, 25.0) is None
    assert overload_problem(0.0, 0.0) is None  # no input: the rate check's business
    problem = overload_problem(30.0, 10.0)
    assert problem.startswith("overloaded: processing 10.0 of 30.0 frames/s")
