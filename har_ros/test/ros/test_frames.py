"""Transforms the safety node and fusion accept: finite, with a usable rotation."""

import math

import numpy as np
import pytest
from geometry_msgs.msg import Transform

from har_ros.ros.frames import FrameError, apply_transform, check_transform, tf2_available


def transform(xyz=(1.0, 2.0, 0.0), quat=(0.0, 0.0, 0.0, 1.0)) -> Transform:
    t = Transform()
    t.translation.x, t.translation.y, t.translation.z = xyz
    t.rotation.x, t.rotation.y, t.rotation.z, t.rotation.w = quat
    return t


def test_a_finite_transform_passes_and_moves_points():
    check_transform(transform(), "base_link", "world")
    assert np.allclose(apply_transform(transform(), np.zeros(3)), (1.0, 2.0, 0.0))


@pytest.mark.parametrize(
    "bad",
    [
        transform(xyz=(math.nan, 0.0, 0.0)),
        transform(xyz=(0.0, math.inf, 0.0)),
        transform(quat=(0.0, 0.0, math.nan, 1.0)),
    ],
)
def test_a_non_finite_transform_is_a_frame_error_naming_the_frames(bad):
    """Found and fixed: a NaN robot transform raised ValueError and ended the safety node."""
    with pytest.raises(FrameError, match="base_link -> world is not finite"):
        check_transform(bad, "base_link", "world")


def test_a_zero_quaternion_is_a_frame_error():
    with pytest.raises(FrameError, match="zero quaternion"):
        check_transform(transform(quat=(0.0, 0.0, 0.0, 0.0)), "cam", "world")


class _RecordingBuffer:
    """A real tf2 buffer that records which frames it is asked about."""

    def __init__(self, buffer):
        self._buffer, self.asked, self.listed = buffer, set(), 0

    def _frameExists(self, frame):  # noqa: N802 (tf2's name)
        self.asked.add(frame)
        return self._buffer._frameExists(frame)

    def can_transform(self, target, source, time):
        self.asked |= {target, source}
        return self._buffer.can_transform(target, source, time)

    def all_frames_as_yaml(self):
        self.listed += 1
        return self._buffer.all_frames_as_yaml()


@pytest.mark.skipif(
    not tf2_available(),
    reason="tf2_ros is not built here (make setup "
    "builds it from ../shared/ros2_extras when that folder exists)",
)
def test_the_frame_self_check_asks_only_the_configured_frames_among_20000(ros_node):
    """Found and fixed: listing every frame cost 16.7 s at 20,000 body frames.

    That ran on the thread that decides the speed; a long shift's body_b<id>
    frames got there.
    """
    from rclpy.time import Time

    from har_ros.ros.frames import CellFrames, transform_msg

    frames = CellFrames(ros_node, "world", "base_link", max_age_s=0.5)
    stamp = Time(seconds=1).to_msg()
    for i in range(20_000):
        frames.buffer.set_transform(
            transform_msg(stamp, "world", f"body_b{i}", (i * 1e-3, 0, 0), (0, 0, 0, 1)), "test"
        )
    frames.buffer = _RecordingBuffer(frames.buffer)
    assert frames.missing() == ["TF has no frame base_link (yet)"]
    frames.buffer._buffer.set_transform_static(
        transform_msg(stamp, "world", "base_link", (1, 0, 0), (0, 0, 0, 1)), "test"
    )
    assert frames.missing() == []
    assert frames.buffer.asked == {"world", "base_link"}
    assert frames.buffer.listed == 0
