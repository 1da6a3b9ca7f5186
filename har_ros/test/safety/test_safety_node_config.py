"""The safety node's config: defaults valid, bad values refused, every parameter documented."""

import dataclasses
from pathlib import Path

import pytest

from har_ros.safety.node_config import SafetyNodeConfig

DOC = Path(__file__).resolve().parents[3] / "docs" / "SAFETY.md"


def test_defaults_are_valid():
    SafetyNodeConfig().validate()


@pytest.mark.parametrize(
    "change, match",
    [
        ({"rate_hz": 0.0}, "rate_hz"),
        ({"reaction_time": -0.1}, "reaction_time"),
        ({"ramp_up_rate": 5.0, "ramp_down_rate": 1.0}, "must not be faster"),
        ({"robot_zone_type": "blob"}, "point, circle or polygon"),
        ({"camera_to_floor": (1.0, 2.0)}, "12 finite"),
        ({"image_slow_zone": (0.0, 0.0, 1.0, 1.0)}, "at least 3"),
        ({"rules_file": "/no/such/file.yaml"}, "cannot read"),
    ],
)
def test_bad_values_are_refused_with_the_reason(change, match):
    with pytest.raises(ValueError, match=match):
        dataclasses.replace(SafetyNodeConfig(), **change).validate()


@pytest.mark.skipif(not DOC.exists(), reason="docs not in this checkout")
def test_every_parameter_is_documented():
    text = DOC.read_text()
    missing = [f.name for f in dataclasses.fields(SafetyNodeConfig) if f"`{f.name}`" not in text]
    assert not missing


FLOAT_FIELDS = [
    f.name for f in dataclasses.fields(SafetyNodeConfig) if isinstance(f.default, float)
]


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
@pytest.mark.parametrize("name", FLOAT_FIELDS)
def test_no_number_that_bounds_safety_may_be_infinite_or_nan(name, value):
    """Found and fixed: skeleton_timeout=inf kept scale 1.0 an hour after the last skeleton."""
    with pytest.raises(ValueError, match=f"{name} must be finite"):
        dataclasses.replace(SafetyNodeConfig(), **{name: value}).validate()


@pytest.mark.parametrize(
    "change",
    [{"robot_zone_points": (float("nan"), 0.0)}, {"robot_zone_points": (0.0, float("inf"))}],
)
def test_a_nan_robot_zone_is_refused(change):
    with pytest.raises(ValueError, match="finite"):
        dataclasses.replace(SafetyNodeConfig(), **change).validate()
