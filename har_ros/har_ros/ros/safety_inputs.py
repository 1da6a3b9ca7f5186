"""What the safety node reads from its input messages: people, their joints, refusals.

Message-aware but node-free: a raw message is bounded before it is read, a
SkeletonArray becomes the policy's PersonObservations through a locator (TF
or the camera_to_floor matrix), and a skeleton that does not fit its layout is
named.
"""

from __future__ import annotations

import math

import numpy as np
from rclpy.serialization import deserialize_message

from har_msgs.msg import SkeletonArray

from ..safety.policy import PersonObservation
from ..safety.zones import image_anchor
from ..skeleton.layouts import keypoint_count_problem
from ..skeleton.types import PositionSource
from .frames import CellFrames, FrameError
from .skeleton_msgs import msg_position

#: Serialized bytes one person may take at most (a 100-joint custom layout with long
#: names); a message longer than max_people of these is refused without reading it.
MAX_BYTES_PER_PERSON = 4096


def read_bounded(raw: bytes, msg_type, max_people: int):
    """The message in ``raw``; OverflowError, before reading, if it may hold too many people.

    Another error means the bytes are not a ``msg_type``.
    """
    if len(raw) > max_people * MAX_BYTES_PER_PERSON:
        raise OverflowError(f"{len(raw)} bytes, more than {max_people} people can take")
    msg = deserialize_message(raw, msg_type)
    count = len(msg.skeletons if msg_type is SkeletonArray else msg.actions)
    if count > max_people:
        raise OverflowError(f"{count} entries, more than max_people {max_people}")
    return msg


class MatrixLocator:
    """Without TF: depth positions through the 3x4 camera_to_floor, floor positions as they are.

    With no TF the node cannot move a position between frames, so each kind
    of position (depth, floor, triangulated) is pinned to the first frame it
    came in; one in another frame later is a FrameError (stop, both frames
    named), never a distance measured in the wrong frame.
    """

    def __init__(self, floor_from_camera: np.ndarray):
        self.floor_from_camera = floor_from_camera
        self.frames: dict[PositionSource, str] = {}

    def __call__(self, p: np.ndarray, source: PositionSource, frame_id: str, stamp) -> np.ndarray:
        pinned = self.frames.setdefault(source, frame_id)
        if frame_id != pinned:
            raise FrameError(
                f"a {source.name.lower()} position in frame {frame_id!r}, but "
                f"they came in {pinned!r} so far; without cell_frame (TF) a "
                "position cannot change frames"
            )
        if source == PositionSource.DEPTH:
            return self.floor_from_camera[:, :3] @ p + self.floor_from_camera[:, 3]
        return p


def tf_locator(frames: CellFrames):
    """With TF: every position from its own frame into the cell frame (FrameError if not)."""

    def locate(p: np.ndarray, source: PositionSource, frame_id: str, stamp) -> np.ndarray:
        return frames.to_cell(p, frame_id, stamp)

    return locate


def observe_people(msg: SkeletonArray, locate) -> list[PersonObservation]:
    """Where each person stands: floor x, y from a valid 3D position, else image anchor.

    A position with a negative or non-finite uncertainty counts as no position,
    and an empty box as no image anchor (so the image zones cannot clear it).
    """
    people = []
    for skeleton in msg.skeletons:
        floor_xy = None
        uncertainty = float(skeleton.position_uncertainty)
        located = msg_position(skeleton)  # None unless valid with a known source
        if located is not None and math.isfinite(uncertainty) and uncertainty >= 0:
            p, source = located
            p = locate(
                p, source, skeleton.position_frame_id or msg.header.frame_id, msg.header.stamp
            )
            if np.all(np.isfinite(p)):
                floor_xy = (float(p[0]), float(p[1]))
        roi = skeleton.bbox  # an empty box says nothing of where in the image: no anchor
        uv = (
            image_anchor(
                (roi.x_offset, roi.y_offset, roi.x_offset + roi.width, roi.y_offset + roi.height)
            )
            if roi.width and roi.height
            else None
        )
        people.append(
            PersonObservation(
                int(skeleton.track_id), floor_xy, uv, uncertainty if floor_xy is not None else 0.0
            )
        )
    return people


def malformed_skeleton(msg: SkeletonArray) -> str | None:
    """Why a skeleton of ``msg`` cannot be read as its layout says (None when all can)."""
    for skeleton in msg.skeletons:
        problem = keypoint_count_problem(skeleton.layout, len(skeleton.keypoints))
        if problem is not None:
            return f"track {skeleton.track_id}: {problem}"
    return None
