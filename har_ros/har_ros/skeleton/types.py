"""Plain data types for detected people, shared by the pose, action and safety logic."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np


class PositionSource(IntEnum):
    """Where a person's 3D position came from (matches har_msgs/Skeleton constants)."""

    NONE = 0
    DEPTH = 1
    FLOOR = 2
    TRIANGULATED = 3


@dataclass
class Person:
    """One person in one image: keypoints ``(J, 3)`` = x px, y px, score in [0, 1]."""

    keypoints: np.ndarray
    layout: str
    score: float
    bbox: tuple[float, float, float, float]  # x_min, y_min, x_max, y_max in pixels
    track_id: int = -1
    position: np.ndarray | None = None  # (3,) metres, in position_frame_id
    position_source: PositionSource = PositionSource.NONE
    position_frame_id: str = ""
    keypoints_3d: np.ndarray | None = None  # (J, 3) metres, NaN where unknown
    coasted: bool = False  # not detected in this image: the tracker's prediction


@dataclass
class SkeletonFrame:
    """All people of one processed image; an empty ``people`` means nobody is there."""

    stamp_ns: int
    frame_id: str
    width: int
    height: int
    people: list[Person] = field(default_factory=list)
