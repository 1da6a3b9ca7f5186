"""Parameters of the pose node as one typed, validated config (ROS-free)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..common.config import param, require
from ..common.priority import NICE_RANGE
from ..skeleton.conversions import can_convert
from ..skeleton.rep155 import hri_body_expiry_param, hri_param
from .backends import BACKEND_LAYOUTS
from .tracking import TrackerConfig

IMAGE_TRANSPORTS = ("raw", "compressed")
DEPTH_SYNC_CHOICES = ("auto", "message_filters", "builtin")


@dataclass(frozen=True)
class PoseNodeConfig:
    backend: str = param("movenet", "pose backend: movenet, or yolo (opt-in)")
    model_path: str = param("", "model file; empty = the cached default weights")
    input_width: int = param(
        256, "backend input size of the longer image side, px (x32)", limits=(64, 4096)
    )
    num_threads: int = param(2, "CPU threads of the backend", limits=(1, 64))
    min_person_score: float = param(
        0.25, "people below this detection score are ignored", limits=(0.0, 1.0)
    )
    output_layout: str = param("coco17", "published keypoint layout: coco17 or openpose18")
    tracker_min_hits: int = param(2, "detections before a track gets an id", limits=(1, 100))
    tracker_max_miss_time: float = param(
        0.5,
        "s a track survives without a detection (a person hidden behind another for "
        "half a second keeps their id)",
        limits=(0.0, 10.0),
    )
    tracker_max_cost: float = param(
        0.75, "assignment gate in (0, 1]; higher = looser", limits=(0.0, 1.0)
    )
    tracker_coast_time: float = param(
        0.3,
        "s after their last detection a confirmed person is still published at the "
        "predicted place (<= tracker_max_miss_time); a person who left is gone after it",
        limits=(0.0, 2.0),
    )
    detect_every: int = param(
        1,
        "run the pose model on every n-th frame, and at least every tracker_coast_time / "
        "2 s; the tracker predicts everyone in between (1 = every frame; 2 halves the "
        "model's CPU, see docs/BENCHMARKS.md)",
        limits=(1, 300),
    )
    min_keypoint_score: float = param(
        0.3, "joints below this score get no depth", limits=(0.0, 1.0)
    )
    use_depth: bool = param(False, "subscribe depth + camera_info for 3D positions", read_only=True)
    depth_tolerance: float = param(0.05, "max colour/depth stamp difference, s", limits=(0.0, 1.0))
    floor_homography: tuple[float, ...] = param(
        (), "9 numbers, row-major image->floor homography; empty = no floor calibration"
    )
    floor_frame_id: str = param("floor", "frame of floor positions")
    publish_debug_image: bool = param(False, "publish debug_image with skeletons and ids")
    image_transport: str = param(
        "raw",
        "raw: sensor_msgs/Image on image; compressed: CompressedImage (jpeg/png) on "
        "<image>/compressed",
        read_only=True,
    )
    depth_sync: str = param(
        "auto",
        "colour/depth pairing: message_filters, builtin, or auto (message_filters when installed)",
        read_only=True,
    )
    expected_rate: float = param(
        0.0,
        "camera frames per second expected, Hz; under half of it is named in "
        "/diagnostics (0 = no check)",
        limits=(0.0, 1000.0),
    )
    cpu_nice: int = param(
        5,
        "nice value of all the node's threads (0-19; higher yields more): when the CPU is "
        "short, fusion and the safety chain run first and this node drops frames",
        read_only=True,
        limits=NICE_RANGE,
    )
    hri: bool = hri_param()
    hri_body_expiry: float = hri_body_expiry_param()

    def validate(self) -> None:
        require(
            self.backend in BACKEND_LAYOUTS,
            f"backend must be one of {sorted(BACKEND_LAYOUTS)}, got {self.backend!r}",
        )
        require(
            self.input_width >= 64 and self.input_width % 32 == 0,
            f"input_width must be a multiple of 32 and >= 64, got {self.input_width}",
        )
        require(self.num_threads >= 1, "num_threads must be >= 1")
        require(
            NICE_RANGE[0] <= self.cpu_nice <= NICE_RANGE[1],
            f"cpu_nice must be in {list(NICE_RANGE)}, got {self.cpu_nice}",
        )
        require(self.detect_every >= 1, f"detect_every must be >= 1, got {self.detect_every}")
        require(
            self.expected_rate <= 0
            or self.detect_every == 1
            or self.detect_every / self.expected_rate <= self.tracker_coast_time / 2,
            f"detect_every {self.detect_every} at expected_rate {self.expected_rate:g} Hz "
            f"is {self.detect_every / max(self.expected_rate, 1e-9):.3f} s between "
            "detections: it must be <= tracker_coast_time / 2 = "
            f"{self.tracker_coast_time / 2:.3f} s, so that one missed detection never "
            "empties a frame with a person in it",
        )
        require(0.0 <= self.min_person_score <= 1.0, "min_person_score must be in [0, 1]")
        require(0.0 <= self.min_keypoint_score <= 1.0, "min_keypoint_score must be in [0, 1]")
        require(
            can_convert(BACKEND_LAYOUTS[self.backend], self.output_layout),
            f"cannot convert {BACKEND_LAYOUTS[self.backend]} to {self.output_layout!r}",
        )
        require(self.depth_tolerance >= 0, "depth_tolerance must be >= 0 s")
        require(
            self.image_transport in IMAGE_TRANSPORTS,
            f"image_transport must be one of {IMAGE_TRANSPORTS}, got {self.image_transport!r}",
        )
        require(
            self.depth_sync in DEPTH_SYNC_CHOICES,
            f"depth_sync must be one of {DEPTH_SYNC_CHOICES}, got {self.depth_sync!r}",
        )
        require(
            len(self.floor_homography) in (0, 9)
            and bool(np.all(np.isfinite(self.floor_homography))),
            "floor_homography needs 9 finite numbers (or none)",
        )
        require(
            self.expected_rate >= 0 and np.isfinite(self.expected_rate),
            "expected_rate must be a finite number >= 0 Hz",
        )
        require(
            self.hri_body_expiry >= 0 and np.isfinite(self.hri_body_expiry),
            "hri_body_expiry must be a finite number >= 0 s",
        )
        self.tracker_config().validate()

    def tracker_config(self) -> TrackerConfig:
        return TrackerConfig(
            self.tracker_min_hits,
            self.tracker_max_miss_time,
            self.tracker_max_cost,
            self.min_keypoint_score,
            self.tracker_coast_time,
        )
