"""har_msgs/SkeletonArray <-> SkeletonFrame, vectorised where the message allows."""

from __future__ import annotations

import math

import numpy as np
from geometry_msgs.msg import Point
from sensor_msgs.msg import RegionOfInterest
from std_msgs.msg import Header

from har_msgs.msg import Keypoint, Skeleton, SkeletonArray

from ..skeleton.types import Person, PositionSource, SkeletonFrame
from .stamps import ns_to_stamp, stamp_to_ns


def _roi(bbox: tuple[float, float, float, float], width: int, height: int) -> RegionOfInterest:
    """The box clipped to the image; a NaN corner counts as 0 (a box never breaks a message)."""
    x0, y0, x1, y1 = (0.0 if math.isnan(v) else float(v) for v in bbox)
    x0 = min(max(x0, 0.0), float(width))
    y0 = min(max(y0, 0.0), float(height))
    x1 = min(max(x1, x0), float(width))
    y1 = min(max(y1, y0), float(height))
    return RegionOfInterest(
        x_offset=int(x0), y_offset=int(y0), width=round(x1 - x0), height=round(y1 - y0)
    )


def person_to_msg(person: Person, width: int, height: int) -> Skeleton:
    kp = np.asarray(person.keypoints, dtype=np.float32)
    has_3d = person.keypoints_3d is not None
    keypoints = []
    for j in range(kp.shape[0]):
        msg = Keypoint(x=float(kp[j, 0]), y=float(kp[j, 1]), score=float(kp[j, 2]))
        if has_3d and np.all(np.isfinite(person.keypoints_3d[j])):
            x, y, z = (float(v) for v in person.keypoints_3d[j])
            msg.position = Point(x=x, y=y, z=z)
            msg.has_position = True
        keypoints.append(msg)
    skeleton = Skeleton(
        track_id=int(person.track_id),
        layout=person.layout,
        keypoints=keypoints,
        score=float(person.score),
        predicted=bool(person.coasted),
        bbox=_roi(person.bbox, width, height),
    )
    if person.position is not None and person.position_source != PositionSource.NONE:
        x, y, z = (float(v) for v in person.position)
        skeleton.position = Point(x=x, y=y, z=z)
        skeleton.position_valid = True
        skeleton.position_source = int(person.position_source)
        skeleton.position_frame_id = person.position_frame_id
    return skeleton


def frame_to_msg(frame: SkeletonFrame) -> SkeletonArray:
    header = Header(stamp=ns_to_stamp(frame.stamp_ns), frame_id=frame.frame_id)
    return SkeletonArray(
        header=header,
        image_width=int(frame.width),
        image_height=int(frame.height),
        skeletons=[person_to_msg(p, frame.width, frame.height) for p in frame.people],
    )


def msg_position(skeleton: Skeleton) -> tuple[np.ndarray, PositionSource] | None:
    """The person's position (x, y, z) and its source, or None.

    A position counts only when flagged valid and from a known source (depth,
    floor or triangulated); anything else is "no position", never a guess.
    """
    if not skeleton.position_valid or skeleton.position_source not in (
        PositionSource.DEPTH,
        PositionSource.FLOOR,
        PositionSource.TRIANGULATED,
    ):
        return None
    p = skeleton.position
    return np.array([p.x, p.y, p.z], dtype=np.float64), PositionSource(skeleton.position_source)


def msg_to_person(skeleton: Skeleton) -> Person:
    kp = np.array([(k.x, k.y, k.score) for k in skeleton.keypoints], dtype=np.float32).reshape(
        -1, 3
    )
    keypoints_3d = None
    if any(k.has_position for k in skeleton.keypoints):
        keypoints_3d = np.array(
            [
                (k.position.x, k.position.y, k.position.z) if k.has_position else (np.nan,) * 3
                for k in skeleton.keypoints
            ],
            dtype=np.float32,
        )
    roi = skeleton.bbox
    person = Person(
        keypoints=kp,
        layout=skeleton.layout,
        score=float(skeleton.score),
        bbox=(
            float(roi.x_offset),
            float(roi.y_offset),
            float(roi.x_offset + roi.width),
            float(roi.y_offset + roi.height),
        ),
        track_id=int(skeleton.track_id),
        keypoints_3d=keypoints_3d,
        coasted=bool(skeleton.predicted),
    )
    located = msg_position(skeleton)
    if located is not None:
        person.position, person.position_source = located
        person.position_frame_id = skeleton.position_frame_id
    return person


def msg_to_frame(msg: SkeletonArray) -> SkeletonFrame:
    return SkeletonFrame(
        stamp_ns=stamp_to_ns(msg.header.stamp),
        frame_id=msg.header.frame_id,
        width=int(msg.image_width),
        height=int(msg.image_height),
        people=[msg_to_person(s) for s in msg.skeletons],
    )
