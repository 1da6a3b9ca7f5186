"""Parameters of the action node as one typed, validated config (ROS-free)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..common.config import param, require
from ..skeleton.rep155 import hri_body_expiry_param, hri_param
from .recognizer import FROM_CHECKPOINT, RecognizerSettings

MIN_RATE_HZ = 1.0  # a time base under it: windows of minutes, a step that never comes


@dataclass(frozen=True)
class ActionNodeConfig:
    model_path: str = param(
        "",
        "checkpoint (.pt); empty = the shipped fridge model. "
        "Changing it at run time swaps the model atomically",
    )
    rate_hz: float = param(
        0.0, "time base windows are resampled to, Hz; 0 = checkpoint's", limits=(0.0, 1000.0)
    )
    stride: int = param(
        0, "frames between classifications of one person; 0 = checkpoint's", limits=(0, 1000)
    )
    max_gap: float = param(
        0.5, "s without a person's skeleton before their window restarts", limits=(0.0, 60.0)
    )
    track_timeout: float = param(
        2.0, "s before an unseen person is forgotten", limits=(0.0, 3600.0)
    )
    min_valid_joints: float = param(
        0.5, "fraction of joints a window must have seen (0..1)", limits=(0.0, 1.0)
    )
    smoothing_alpha: float = param(
        0.6, "EMA weight of the newest window (1 = no smoothing)", limits=(0.0, 1.0)
    )
    switch_margin: float = param(
        RecognizerSettings.switch_margin,
        "the shown action stays until another's smoothed "
        "probability leads it by this much (0 = the most probable at once); holds a label "
        "against flicker",
        limits=(0.0, 1.0),
    )
    unknown_threshold: float = param(
        FROM_CHECKPOINT,
        "-1: the checkpoint's calibrated rejection (score and threshold); "
        "0..1: a calibrated confidence under which the label is 'unknown'",
        limits=(-1.0, 1.0),
    )
    min_fill: float = param(
        1.0,
        "share of a window a new track needs before its first action (0..1]; under 1 "
        "the node names an action early, the window's missing start repeating its first frame",
        limits=(0.0, 1.0),
    )
    torch_threads: int = param(1, "torch CPU threads for inference", limits=(1, 64))
    max_people: int = param(
        50,
        "most people per SkeletonArray; a larger one is dropped unread and counted",
        limits=(1, 1000),
    )
    hri: bool = hri_param()
    hri_body_expiry: float = hri_body_expiry_param()

    def validate(self) -> None:
        require(
            self.rate_hz == 0 or self.rate_hz >= MIN_RATE_HZ,
            f"rate_hz must be 0 (the checkpoint's) or >= {MIN_RATE_HZ:g} Hz",
        )
        require(self.stride >= 0, "stride must be >= 0")
        require(
            self.max_gap > 0 and self.track_timeout > 0, "max_gap and track_timeout must be > 0 s"
        )
        require(0.0 <= self.min_valid_joints <= 1.0, "min_valid_joints must be in [0, 1]")
        require(0.0 < self.smoothing_alpha <= 1.0, "smoothing_alpha must be in (0, 1]")
        require(0.0 <= self.switch_margin < 1.0, "switch_margin must be in [0, 1)")
        require(
            self.unknown_threshold == FROM_CHECKPOINT or 0.0 <= self.unknown_threshold <= 1.0,
            f"unknown_threshold must be -1 or in [0, 1], got {self.unknown_threshold}",
        )
        require(0.0 < self.min_fill <= 1.0, f"min_fill must be in (0, 1], got {self.min_fill}")
        require(self.torch_threads >= 1, "torch_threads must be >= 1")
        require(self.max_people >= 1, f"max_people must be >= 1, got {self.max_people}")
        require(
            self.hri_body_expiry >= 0 and math.isfinite(self.hri_body_expiry),
            "hri_body_expiry must be a finite number >= 0 s",
        )

    def settings(self) -> RecognizerSettings:
        return RecognizerSettings(
            self.rate_hz,
            self.stride,
            self.max_gap,
            self.track_timeout,
            self.min_valid_joints,
            self.smoothing_alpha,
            self.unknown_threshold,
            self.min_fill,
            self.switch_margin,
        )
