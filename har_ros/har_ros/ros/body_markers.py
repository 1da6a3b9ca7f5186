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


def marker_array(stamp_ns: int, frame_id: str, bodies: dict):
    """One frame as the Azure Kinect driver publishes it (synthetic bags, the bench).

    A SPHERE per joint, ``id = body * 100 + joint``, for ``{body id: (J, 3) metres}``.
    """
    from geometry_msgs.msg import Point
    from std_msgs.msg import Header
    from visualization_msgs.msg import Marker, MarkerArray

    from .stamps import ns_to_stamp

    header = Header(stamp=ns_to_stamp(stamp_ns), frame_id=frame_id)
    markers = []
    for body, xyz in bodies.items():
        for joint, (x, y, z) in enumerate(xyz):
            marker = Marker(header=header, id=body * 100 + joint, type=Marker.SPHERE)
            marker.pose.position = Point(x=float(x), y=float(y), z=float(z))
            markers.append(marker)
    return MarkerArray(markers=markers)


def camera_model(msg) -> CameraModel:
    """ValueError with the reason for a camera_info no projection can use."""
    return CameraModel.from_camera_info(msg.k, msg.d, msg.width, msg.height, msg.distortion_model)
