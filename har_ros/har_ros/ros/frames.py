"""People and the robot in the cell's frame, through tf2.

A person's 3D or floor position is transformed from the frame it was
measured in into ``cell_frame`` at the skeleton's stamp; the robot's position
is the origin of ``robot_frame`` in ``cell_frame``. A frame TF does not know,
a missing transform, or a moving transform older than ``max_age_s`` raises
FrameError with the reason: the caller fails safe, it never guesses a
distance.
"""

from __future__ import annotations

import importlib.util

import numpy as np
from rclpy.duration import Duration
from rclpy.time import Time


class FrameError(RuntimeError):
    """No usable transform; the text says which and why."""


def tf2_available() -> bool:
    return importlib.util.find_spec("tf2_ros") is not None


def check_transform(transform, source: str, target: str) -> None:
    """FrameError unless the transform is finite with a usable rotation (naming the frames).

    A NaN or infinite translation, or a zero or non-finite quaternion, would
    otherwise become a NaN distance (or a scipy error) far from its cause.
    """
    q, t = transform.rotation, transform.translation
    values = np.array([t.x, t.y, t.z, q.x, q.y, q.z, q.w], np.float64)
    if not np.all(np.isfinite(values)):
        raise FrameError(
            f"transform {source} -> {target} is not finite: translation "
            f"({t.x}, {t.y}, {t.z}), rotation ({q.x}, {q.y}, {q.z}, {q.w})"
        )
    if np.linalg.norm(values[3:]) < 1e-6:
        raise FrameError(f"transform {source} -> {target} has a zero quaternion")


def transform_msg(stamp, parent: str, child: str, xyz, quaternion):
    """A geometry_msgs/TransformStamped placing ``child`` in ``parent`` (quaternion x, y, z, w)."""
    from geometry_msgs.msg import TransformStamped

    t = TransformStamped()
    t.header.stamp, t.header.frame_id, t.child_frame_id = stamp, parent, child
    t.transform.translation.x, t.transform.translation.y, t.transform.translation.z = (
        float(v) for v in xyz
    )
    (
        t.transform.rotation.x,
        t.transform.rotation.y,
        t.transform.rotation.z,
        t.transform.rotation.w,
    ) = (float(v) for v in quaternion)
    return t


def apply_transform(transform, point: np.ndarray) -> np.ndarray:
    """``point`` (3,) mapped by a geometry_msgs/Transform."""
    from scipy.spatial.transform import Rotation  # here: importers that never apply one
    # (the action node, through the REP-155 output) do not load scipy

    q, t = transform.rotation, transform.translation
    rotated = Rotation.from_quat([q.x, q.y, q.z, q.w]).apply(np.asarray(point, np.float64))
    return rotated + np.array([t.x, t.y, t.z])


class CellFrames:
    def __init__(self, node, cell_frame: str, robot_frame: str, max_age_s: float):
        import tf2_ros

        self._node = node
        self.cell_frame = cell_frame
        self.robot_frame = robot_frame
        self.max_age_s = max_age_s
        self.buffer = tf2_ros.Buffer(node=node)
        self.listener = tf2_ros.TransformListener(self.buffer, node)
        self._tf_errors = (
            tf2_ros.LookupException,
            tf2_ros.ConnectivityException,
            tf2_ros.ExtrapolationException,
            tf2_ros.InvalidArgumentException,
        )

    def missing(self) -> list[str]:
        """Why the configured cell and robot frames are not usable now (empty: they are).

        Asks tf2 about these frames only: the cost must not grow with the body
        frames a long shift leaves in the buffer (ids are never reused, and tf2
        forgets no frame), since this runs on the thread that decides.
        """
        problems = [
            f"TF has no frame {frame} (yet)"
            for frame in (self.cell_frame, self.robot_frame)
            # tf2_py's own per-frame lookup (BufferCore::_frameExists, Kilted)
            if frame and not self.buffer._frameExists(frame)
        ]
        if (
            not problems
            and self.robot_frame
            and not self.buffer.can_transform(self.cell_frame, self.robot_frame, Time())
        ):
            problems.append(f"TF does not connect {self.robot_frame} to {self.cell_frame} (yet)")
        return problems

    def _lookup(self, source: str, stamp: Time):
        if not source:
            raise FrameError("position has no frame_id")
        try:
            found = self.buffer.lookup_transform(
                self.cell_frame, source, stamp, Duration(seconds=0)
            )
        except self._tf_errors as exc:
            raise FrameError(f"no transform {source} -> {self.cell_frame}: {exc}") from exc
        check_transform(found.transform, source, self.cell_frame)
        return found

    def to_cell(self, point: np.ndarray, frame_id: str, stamp_msg) -> np.ndarray:
        """``point`` measured in ``frame_id`` at ``stamp_msg``, in the cell frame."""
        if frame_id == self.cell_frame:
            return np.asarray(point, np.float64)
        return apply_transform(self._lookup(frame_id, Time.from_msg(stamp_msg)).transform, point)

    def robot_xy(self) -> tuple[float, float]:
        """The robot frame's origin on the cell floor; FrameError if unknown or too old."""
        transform = self._lookup(self.robot_frame, Time())
        stamp = Time.from_msg(transform.header.stamp)
        if stamp.nanoseconds:  # 0 = a static transform, valid forever
            age = (self._node.get_clock().now() - stamp).nanoseconds * 1e-9
            if age > self.max_age_s:
                raise FrameError(
                    f"transform {self.robot_frame} -> {self.cell_frame} is "
                    f"{age:.2f} s old (max {self.max_age_s:.2f} s)"
                )
        t = transform.transform.translation
        return float(t.x), float(t.y)
