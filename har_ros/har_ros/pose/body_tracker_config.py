"""Parameters of body_tracker_node as one typed, validated config (ROS-free)."""

from __future__ import annotations

from dataclasses import dataclass

from ..common.config import param, require, require_finite
from ..skeleton.body_tracker import FORGET_S
from ..skeleton.layouts import KNOWN_LAYOUTS
from ..skeleton.rep155 import hri_body_expiry_param, hri_param


@dataclass(frozen=True)
class BodyTrackerConfig:
    layout: str = param(
        "k4abt32",
        "joint order of the markers (k4abt32: Azure Kinect / Orbbec Femto body tracking)",
        read_only=True,
    )
    id_stride: int = param(
        100, "marker id = body id * id_stride + joint index", read_only=True, limits=(1, 10000)
    )
    joint_score: float = param(
        1.0,
        "score given to every joint the tracker sent (its markers carry no confidence); "
        "0 marks a missing one",
        limits=(0.0, 1.0),
    )
    frame_quiet: float = param(
        0.01,
        "s without a marker of a frame before it is published (a newer frame's markers "
        "publish it at once); groups a frame spread over several arrays",
        read_only=True,
        limits=(0.0, 1.0),
    )
    forget_after: float = param(
        FORGET_S,
        "s a tracker body id may be unseen and still be the same person; after it, a new "
        "track id (tracker ids are reused, ours never)",
        limits=(0.0, 3600.0),
    )
    max_future_stamp: float = param(
        0.5,
        "s a marker may be stamped ahead of the clock; later ones are refused",
        limits=(0.0, 3600.0),
    )
    max_markers: int = param(
        4000,
        "most markers per MarkerArray; a larger one is dropped unread and counted",
        limits=(1, 1_000_000),
    )
    hri: bool = hri_param()
    hri_body_expiry: float = hri_body_expiry_param()

    def validate(self) -> None:
        require_finite(self)
        require(
            self.layout in KNOWN_LAYOUTS,
            f"layout must be one of {sorted(KNOWN_LAYOUTS)}, got {self.layout!r}",
        )
        joints = KNOWN_LAYOUTS[self.layout].num_joints
        require(
            self.id_stride >= joints, f"id_stride must be >= the {joints} joints of {self.layout}"
        )
        require(0.0 < self.joint_score <= 1.0, "joint_score must be in (0, 1]")
        require(self.frame_quiet >= 0.0, "frame_quiet must be >= 0 s")
        require(self.forget_after >= 0.0, "forget_after must be >= 0 s")
        require(self.max_future_stamp >= 0.0, "max_future_stamp must be >= 0 s")
        require(self.max_markers >= 1, "max_markers must be >= 1")
