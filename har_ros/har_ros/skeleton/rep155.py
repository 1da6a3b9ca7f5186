"""REP-155 (ROS4HRI) body conventions without ROS: keypoints, region and frame.

hri_msgs/Skeleton2D carries 18 keypoints in the order of its constants
(OpenPose's COCO-18 with the eyes and ears as hri_msgs numbers them: LEFT_EYE
= 14 before RIGHT_EYE = 15), in image coordinates normalised to [0, 1]. A
keypoint the backend did not find is (0, 0) with confidence 0, as OpenPose
writes it. ``body_<id>`` has its origin at the hips' mid-point (the person's
position where the hips have no 3D), x forward (the way the hips face), y to
the person's left and z up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from ..common.config import param
from .conversions import JointMap, apply_joint_map, joint_map
from .layouts import KNOWN_LAYOUTS, Layout
from .types import Person, PositionSource

# hri_msgs/Skeleton2D: NOSE = 0 ... RIGHT_EAR = 17
REP155_JOINTS = (
    "nose",
    "neck",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "right_hip",
    "right_knee",
    "right_ankle",
    "left_hip",
    "left_knee",
    "left_ankle",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
)

# Up in the frame a position comes in: the cell and floor frames are z up, a
# camera's optical frame (depth positions) is y down.
_UP = {
    PositionSource.DEPTH: np.array([0.0, -1.0, 0.0]),
    PositionSource.FLOOR: np.array([0.0, 0.0, 1.0]),
    PositionSource.TRIANGULATED: np.array([0.0, 0.0, 1.0]),
}
_TOWARDS_VIEWER = {
    PositionSource.DEPTH: np.array([0.0, 0.0, -1.0]),  # facing the camera
    PositionSource.FLOOR: np.array([1.0, 0.0, 0.0]),
    PositionSource.TRIANGULATED: np.array([1.0, 0.0, 0.0]),
}


@cache
def rep155_joint_map(layout: Layout) -> JointMap:
    """Each REP-155 keypoint's joints in ``layout``; the neck from the shoulders if need be."""
    synth = {}
    if not layout.find("neck"):
        synth["neck"] = (
            ("shoulder_center",)
            if layout.find("shoulder_center")
            else ("left_shoulder", "right_shoulder")
        )
    if not layout.find("nose") and layout.find("head"):
        synth["nose"] = ("head",)
    return joint_map(layout, REP155_JOINTS, synth)


def skeleton2d_points(person: Person, width: int, height: int) -> np.ndarray | None:
    """``(18, 3)`` normalised x, y and confidence; None for a layout without joint names."""
    layout = KNOWN_LAYOUTS.get(person.layout)
    if layout is None or width <= 0 or height <= 0:
        return None
    keypoints = np.asarray(person.keypoints, dtype=np.float64)
    if keypoints.shape != (layout.num_joints, 3):
        return None
    keypoints = np.where(np.isfinite(keypoints), keypoints, 0.0)
    keypoints[:, 2] = np.clip(keypoints[:, 2], 0.0, 1.0)
    points = apply_joint_map(keypoints, rep155_joint_map(layout))
    points[:, 0] = np.clip(points[:, 0] / width, 0.0, 1.0)
    points[:, 1] = np.clip(points[:, 1] / height, 0.0, 1.0)
    points[points[:, 2] <= 0] = 0.0
    return points.astype(np.float32)


def normalised_roi(
    bbox: tuple[float, float, float, float], width: int, height: int
) -> tuple[float, float, float, float]:
    """The pixel box as (xmin, ymin, xmax, ymax) in [0, 1]; a NaN corner counts as 0."""
    x0, y0, x1, y1 = (0.0 if not math.isfinite(v) else float(v) for v in bbox)
    x0, x1 = (min(max(v / max(width, 1), 0.0), 1.0) for v in (x0, x1))
    y0, y1 = (min(max(v / max(height, 1), 0.0), 1.0) for v in (y0, y1))
    return x0, y0, max(x0, x1), max(y0, y1)


@dataclass(frozen=True)
class BodyPose:
    """``body_<id>`` in ``parent_frame``: translation (m) and quaternion (x, y, z, w)."""

    parent_frame: str
    translation: tuple[float, float, float]
    rotation: tuple[float, float, float, float]


def _hips(person: Person) -> tuple[np.ndarray, np.ndarray] | None:
    """The left and right hip in 3D, where both are known."""
    layout = KNOWN_LAYOUTS.get(person.layout)
    if layout is None or person.keypoints_3d is None:
        return None
    hips = layout.find("left_hip", "right_hip")
    points = np.asarray(person.keypoints_3d, dtype=np.float64)
    if (
        len(hips) != 2
        or points.shape != (layout.num_joints, 3)
        or not np.all(np.isfinite(points[hips]))
    ):
        return None
    return points[hips[0]], points[hips[1]]


def _forward(left_hip: np.ndarray, right_hip: np.ndarray, up: np.ndarray) -> np.ndarray | None:
    """The horizontal way the hips face (left hip minus right hip, turned), or None."""
    left = left_hip - right_hip
    left -= up * float(left @ up)
    norm = float(np.linalg.norm(left))
    if norm < 1e-3:
        return None
    return np.cross(left / norm, up)


def body_pose(person: Person) -> BodyPose | None:
    """Where ``body_<id>`` is: the hips' mid-point, else the position; None without one."""
    up = _UP.get(person.position_source)
    if up is None or person.position is None or not person.position_frame_id:
        return None
    origin = np.asarray(person.position, dtype=np.float64)
    if origin.shape != (3,) or not np.all(np.isfinite(origin)):
        return None
    forward = None
    hips = _hips(person)
    if hips is not None:
        origin = (hips[0] + hips[1]) / 2.0
        forward = _forward(*hips, up)
    if forward is None:
        forward = _TOWARDS_VIEWER[person.position_source]
    from scipy.spatial.transform import Rotation  # here: the action node never needs it

    left = np.cross(up, forward)
    quaternion = Rotation.from_matrix(np.column_stack([forward, left, up])).as_quat()
    return BodyPose(
        person.position_frame_id,
        (float(origin[0]), float(origin[1]), float(origin[2])),
        (float(quaternion[0]), float(quaternion[1]), float(quaternion[2]), float(quaternion[3])),
    )


def hri_param() -> bool:
    """The ``hri`` config field of the nodes that publish REP-155 output."""
    return param(
        True,
        "publish REP-155 bodies (humans/bodies/...) where hri_msgs is installed; a no-op elsewhere",
        read_only=True,
    )


def hri_body_expiry_param() -> float:
    return param(
        2.0,
        "s a REP-155 body is gone before its per-body topics are removed",
        read_only=True,
        limits=(0.0, 3600.0),
    )
