"""visualization_msgs/MarkerArray and CameraInfo -> the body tracker's plain types."""

from __future__ import annotations

from functools import cache

from ..skeleton.body_tracker import CameraModel, JointMarker

MARKER_ARRAY = "visualization_msgs/msg/MarkerArray"


def decode_marker_array(data: bytes):
    """A serialised MarkerArray, decoded by rosbags' CDR reader.

    A tracker frame is 32 markers per body, and rclpy builds a Python object
    for every field of each (2.5 times slower for 5 bodies, docs/BENCHMARKS.md);
    rosbags' generated reader gives the same fields. Its definition is the one
    of Humble and later (the texture fields); errors propagate.
    """
    return _kilted().deserialize_cdr(data, MARKER_ARRAY)


@cache
def _kilted():
    from rosbags.typesys import Stores, get_typestore

    return get_typestore(Stores.ROS2_KILTED)


def joint_markers(msg) -> list[JointMarker]:
    """Every marker of a MarkerArray, as the assembler reads it."""
    return [
        JointMarker(
            m.header.stamp.sec * 1_000_000_000 + m.header.stamp.nanosec,
            m.header.frame_id,
            int(m.id),
            int(m.action),
            (m.pose.position.x, m.pose.position.y, m.pose.position.z),
        )
        for m in msg.markers
    ]


def camera_model(msg) -> CameraModel:
    """ValueError with the reason for a camera_info no projection can use."""
    return CameraModel.from_camera_info(msg.k, msg.d, msg.width, msg.height, msg.distortion_model)
