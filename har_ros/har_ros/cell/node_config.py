"""Parameters of the person_fusion node as one typed, validated config (ROS-free)."""

from __future__ import annotations

from dataclasses import dataclass

from ..common.config import param, require, require_finite
from ..skeleton.rep155 import hri_body_expiry_param, hri_param
from .fusion import FusionConfig

EXTRINSICS = ("file", "tf")


@dataclass(frozen=True)
class FusionNodeConfig:
    cell_file: str = param(
        "", "cell description YAML; empty = the shipped Pose2Sim demo cell", read_only=True
    )
    rate_hz: float = param(
        30.0, "fusion steps per second (each fuses the newest frames)", limits=(1.0, 1000.0)
    )
    sync_tolerance: float = param(
        0.04, "s: frames within this of the newest are one instant", limits=(0.0, 1.0)
    )
    camera_timeout: float = param(
        0.5, "s without a camera's skeletons before it counts silent", limits=(0.0, 2.0)
    )
    sync_wait: float = param(
        0.1,
        "s a new instant waits for the other cameras' frames of it (taken at once when "
        "every camera that is not silent delivered)",
        limits=(0.0, 1.0),
    )
    gate: float = param(
        0.5, "association gate: reprojection error / box diagonal", limits=(0.0, 5.0)
    )
    min_score: float = param(0.3, "keypoints below this score are not used", limits=(0.0, 1.0))
    max_error_px: float = param(
        20.0, "px: a view further than this from a 3D joint is dropped", limits=(0.0, 1000.0)
    )
    max_misses: int = param(10, "fusion steps a fused person survives unseen", limits=(0, 300))
    max_future_stamp: float = param(
        0.5,
        "s a camera's stamp may lead the node's clock; later ones are refused, counted",
        limits=(0.0, 5.0),
    )
    max_clock_offset: float = param(
        0.25,
        "s a camera's stamps may lag or lead the node's clock (least arrival - stamp "
        "over 2 s: clock offset + least delay); ahead by more: not live, behind: named",
        limits=(0.0, 5.0),
    )
    max_people: int = param(
        20,
        "most people per camera frame; a frame with more is not fused (camera not live)",
        limits=(1, 1000),
    )
    publish_camera_tf: bool = param(True, "broadcast the cameras' static transforms (tf2_ros)")
    extrinsics: str = param(
        "file",
        "camera poses: file = the cell file's calibration; tf = looked up in TF each "
        "step (cell_frame <- the skeletons' frame_id; needs tf2_ros)",
        read_only=True,
    )
    hri: bool = hri_param()
    hri_body_expiry: float = hri_body_expiry_param()

    def validate(self) -> None:
        require_finite(self)
        require(self.rate_hz > 0, "rate_hz must be > 0")
        require(0 < self.sync_tolerance <= 1, "sync_tolerance must be in (0, 1] s")
        require(self.camera_timeout > 0, "camera_timeout must be > 0 s")
        require(self.max_future_stamp >= 0, "max_future_stamp must be >= 0 s")
        require(self.max_clock_offset > 0, "max_clock_offset must be > 0 s")
        require(
            0 <= self.sync_wait < self.camera_timeout, "sync_wait must be in [0, camera_timeout) s"
        )
        require(self.max_people >= 1, f"max_people must be >= 1, got {self.max_people}")
        require(self.hri_body_expiry >= 0, "hri_body_expiry must be >= 0 s")
        require(self.extrinsics in EXTRINSICS, f"extrinsics must be one of {EXTRINSICS}")
        self.fusion().validate()

    def fusion(self) -> FusionConfig:
        return FusionConfig(
            gate=self.gate,
            min_score=self.min_score,
            max_error_px=self.max_error_px,
            max_misses=self.max_misses,
            max_tracks=2 * self.max_people,
        )
