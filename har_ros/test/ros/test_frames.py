"""Transforms the safety node and fusion accept: finite, with a usable rotation."""

import math

import numpy as np
import pytest
from geometry_msgs.msg import Transform

from har_ros.ros.frames import FrameError, apply_transform, check_transform


def transform(xyz=(1.0, 2.0, 0.0), quat=(0.0, 0.0, 0.0, 1.0)) -> Transform:
    t = Transform()
    t.translation.x, t.translation.y, t.translation.z = xyz
    t.rotation.x, t.rotation.y, t.rotation.z, t.rotation.w = quat
    return t


def test_a_finite_transform_passes_and_moves_points():
    check_transform(transform(), "base_link", "world")
    assert np.allclose(apply_transform(transform(), np.zeros(3)), (1.0, 2.0, 0.0))


@pytest.mark.parametrize("bad", [
    transform(xyz=(math.nan, 0.0, 0.0)), transform(xyz=(0.0, math.inf, 0.0)),
    transform(quat=(0.0, 0.0, math.nan, 1.0))])
def test_a_non_finite_transform_is_a_frame_error_naming_the_frames(bad):
    """Found and fixed: a NaN robot transform raised ValueError and ended the safety node."""
    with pytest.raises(FrameError, match="base_link -> world is not finite"):
        check_transform(bad, "base_link", "world")


def test_a_zero_quaternion_is_a_frame_error():
    with pytest.raises(FrameError, match="zero quaternion"):
        check_transform(transform(quat=(0.0, 0.0, 0.0, 0.0)), "cam", "world")
