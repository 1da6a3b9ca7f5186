"""visualization_msgs/MarkerArray and CameraInfo -> the body tracker's plain types."""

from __future__ import annotations

from ..skeleton.body_tracker import CameraModel, JointMarker


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
