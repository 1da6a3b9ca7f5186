"""What a video file says about itself, read the same way everywhere."""

from __future__ import annotations

import math
from typing import Protocol

DEFAULT_FPS = 30.0  # the rate of a video that does not say its own


class VideoSource(Protocol):
    """What capture_fps reads: a cv2.VideoCapture, or anything answering ``get``."""

    def get(self, prop_id: int) -> float: ...


def capture_fps(capture: VideoSource) -> float:
    """The frame rate an opened ``cv2.VideoCapture`` reports.

    DEFAULT_FPS where it reports none: 0, NaN or a negative rate (a damaged
    or headerless file) would otherwise divide time by zero downstream.
    """
    import cv2

    fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
    return fps if math.isfinite(fps) and fps > 0 else DEFAULT_FPS
