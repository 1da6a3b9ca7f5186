"""Several synchronised videos through pose + fusion without ROS: the cell's reference run.

`har cell eval` and `har demo --cell` use it, and the tests compare the
nodes' output with it. Every camera has its own pose pipeline (and tracker),
as every camera has its own pose node in the cell launch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..common.video import capture_fps
from ..pose.node_config import PoseNodeConfig
from .calibration import CameraCalibration
from .fusion import Detection, FusedPerson, FusionConfig, PersonFusion


@dataclass
class RigFrame:
    index: int
    images: dict[str, np.ndarray]  # camera -> RGB (resized)
    detections: list[Detection]
    people: list[FusedPerson]


@dataclass
class RigRun:
    frames: list[RigFrame] = field(default_factory=list)
    pose_seconds: float = 0.0
    fusion_seconds: float = 0.0

    def reprojection_errors(self) -> np.ndarray:
        """Every triangulated joint's mean reprojection error over its views, px."""
        errors = [
            p.errors[np.isfinite(p.errors)]
            for f in self.frames
            for p in f.people
            if p.errors is not None
        ]
        return np.concatenate(errors) if errors else np.zeros(0)

    def position_errors(self, reference: RigRun, detect_every: int = 1) -> np.ndarray:
        """Each fused position's distance to the nearest of ``reference``'s same frame, m.

        With the every-frame run as reference and this run's ``detect_every``,
        on the frames it predicted: what skipping detections moves the
        positions the safety node is given.
        """
        errors = []
        for index, (frame, ref) in enumerate(zip(self.frames, reference.frames, strict=False)):
            if detect_every > 1 and index % detect_every == 0:
                continue  # detected: the same as the reference
            ref_positions = [p.position for p in ref.people if p.position is not None]
            for person in frame.people:
                if person.position is not None and ref_positions:
                    errors.append(
                        min(float(np.linalg.norm(person.position - r)) for r in ref_positions)
                    )
        return np.asarray(errors)

    def ids_per_frame(self) -> list[set[int]]:
        return [{p.fused_id for p in f.people} for f in self.frames]


def open_rig(videos: dict[str, Path]) -> dict[str, Any]:
    """An opened cv2.VideoCapture per camera (cv2 ships no type hints)."""
    import cv2

    captures = {}
    for name, path in videos.items():
        capture = cv2.VideoCapture(str(path))
        if not capture.isOpened():
            raise FileNotFoundError(f"cannot open video {path} of camera {name}")
        captures[name] = capture
    return captures


def run_rig(
    videos: dict[str, Path],
    cameras: dict[str, CameraCalibration],
    width: int = 540,
    pose: PoseNodeConfig | None = None,
    fusion: FusionConfig | None = None,
    frames: int = 0,
    step: int = 1,
    drop: dict[str, int] | None = None,
    keep_images: bool = False,
) -> RigRun:
    """Fuse ``frames`` (0 = all) lockstep frames; ``drop``: camera -> first frame it is gone."""
    import time

    import cv2

    from ..pose.pipeline import PosePipeline

    pose = pose or PoseNodeConfig()
    first = PosePipeline(pose)
    pipelines = {name: PosePipeline(pose, backend=first.backend) for name in videos}
    captures = open_rig(videos)
    fps = capture_fps(next(iter(captures.values())))
    scaled = {name: cameras[name].scaled(width) for name in videos}
    fuser = PersonFusion(scaled, pose.output_layout, fusion or FusionConfig())
    run = RigRun()
    index = 0
    while not frames or len(run.frames) < frames:
        images = {}
        for name, capture in captures.items():
            ok, bgr = capture.read()
            if not ok:
                return run
            if index % step == 0:
                bgr = cv2.resize(bgr, (width, scaled[name].height), interpolation=cv2.INTER_AREA)
                images[name] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        if index % step:
            index += 1
            continue
        started = time.perf_counter()
        detections = []
        for name, rgb in images.items():
            if drop and name in drop and index >= drop[name]:
                continue
            for person in pipelines[name].process(rgb, index / fps):
                detections.append(Detection(name, person.keypoints, person.bbox, person.track_id))
        middle = time.perf_counter()
        people = fuser.update(detections)
        run.pose_seconds += middle - started
        run.fusion_seconds += time.perf_counter() - middle
        run.frames.append(RigFrame(index, images if keep_images else {}, detections, people))
        index += 1
    return run


def pose2sim_rig() -> tuple[dict[str, Path], dict[str, CameraCalibration]]:
    """The four cameras of Pose2Sim's multi-person demo, from the asset cache."""
    from ..assets import asset_path
    from .calibration import read_qca

    cameras = {c.name: c for c in read_qca(asset_path("pose2sim_calib.qca.txt"))}
    videos = {name: asset_path(f"pose2sim_multiperson_{name}.mp4") for name in cameras}
    return videos, cameras
