"""One frame through the pose stack: backend -> tracker -> positions -> output layout.

Shared by the pose node and `har pose-video`, so both behave the same. A
reconfigured pipeline keeps its tracker, so the people in view keep their ids
across a change of backend, input size or tracker settings, and no id is ever
handed out twice. With ``detect_every`` n > 1 the backend runs on every n-th
frame only and the tracker predicts the frames in between (no image needed);
it also runs before half the tracker's coast time has passed since it last
did, whatever the frame rate, so a person in view the detector misses once
is still published (coasted) on every frame until the next detection, and
one who left is gone ``coast_time`` after the last detection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext

import numpy as np

from ..common.stage_cpu import StageCpu
from ..skeleton.conversions import convert
from ..skeleton.types import Person, PositionSource
from .backends import create_backend
from .node_config import PoseNodeConfig
from .positions import Intrinsics, depth_position, floor_position
from .tracking import Tracker

#: Settings the backend is built from; changing any of them loads a new backend.
BACKEND_FIELDS = ("backend", "model_path", "input_width", "num_threads", "min_person_score")


def _make_backend(config: PoseNodeConfig):
    return create_backend(
        config.backend,
        model_path=config.model_path,
        input_width=config.input_width,
        num_threads=config.num_threads,
        min_person_score=config.min_person_score,
    )


class PosePipeline:
    def __init__(
        self,
        config: PoseNodeConfig,
        backend=None,
        tracker: Tracker | None = None,
        ids: Iterator[int] | None = None,
    ):
        config.validate()
        self.config = config
        self.backend = backend if backend is not None else _make_backend(config)
        self.tracker = tracker if tracker is not None else Tracker(config.tracker_config(), ids)
        self._tracker_config = config.tracker_config()
        self._homography = (
            np.asarray(config.floor_homography).reshape(3, 3) if config.floor_homography else None
        )
        self._since_detection = 0  # frames; a new pipeline detects on its first
        self._detected_s: float | None = None
        self._previous_s: float | None = None  # the last frame's stamp

    def detects_at(self, stamp_s: float) -> bool:
        """Whether the frame stamped ``stamp_s`` goes through the backend.

        Otherwise its image is not needed. Past ``detect_every`` frames, or when
        waiting for the next frame would put more than half the coast time
        between two detections (the last frame interval as the guess of the
        next), it does.
        """
        if self._detected_s is None or self._since_detection >= self.config.detect_every:
            return True
        elapsed = stamp_s - self._detected_s
        interval = stamp_s - self._previous_s if self._previous_s is not None else 0.0
        return not 0.0 <= elapsed + max(interval, 0.0) <= self.config.tracker_coast_time / 2

    def reconfigured(self, config: PoseNodeConfig) -> PosePipeline:
        """The pipeline for ``config``, with this one's tracker; raises BackendError.

        The backend is loaded anew only when one of BACKEND_FIELDS changed.
        """
        same = all(getattr(config, f) == getattr(self.config, f) for f in BACKEND_FIELDS)
        return PosePipeline(config, self.backend if same else _make_backend(config), self.tracker)

    def process(
        self,
        rgb: np.ndarray | None,
        stamp_s: float,
        depth_m: np.ndarray | None = None,
        intrinsics: Intrinsics | None = None,
        depth_frame_id: str = "",
        stages: StageCpu | None = None,
    ) -> list[Person]:
        """The tracked people of the frame stamped ``stamp_s`` (s).

        ``stages`` times inference, tracking, positions. ``rgb`` may be None on a
        frame that ``detects_at`` said is predicted.
        """

        def timed(name: str, whole_process: bool = False):
            return stages.stage(name, whole_process) if stages is not None else nullcontext()

        self.tracker.config = self._tracker_config  # a reconfiguration takes effect here
        detect = self.detects_at(stamp_s)
        self._previous_s = stamp_s
        if not detect:
            self._since_detection += 1
            with timed("tracking"):
                people = self.tracker.predict(stamp_s)
        else:
            if rgb is None:
                raise ValueError("this frame is detected: it needs its image")
            with timed("inference", whole_process=True):  # the backend's own threads too
                detected = self.backend.infer(rgb)
            self._since_detection, self._detected_s = 1, stamp_s
            with timed("tracking"):
                people = self.tracker.update(detected, stamp_s)
        with timed("positions"):
            return self._located(people, depth_m, intrinsics, depth_frame_id)

    def _located(
        self, people: list[Person], depth_m, intrinsics, depth_frame_id: str
    ) -> list[Person]:
        """Positions from depth or the floor, and the output layout, for each person."""
        cfg = self.config
        for person in people:
            if depth_m is not None and intrinsics is not None:
                position, per_joint = depth_position(
                    person.keypoints, depth_m, intrinsics, cfg.min_keypoint_score
                )
                person.keypoints_3d = per_joint
                if position is not None:
                    person.position, person.position_source = position, PositionSource.DEPTH
                    person.position_frame_id = depth_frame_id
            if person.position is None and self._homography is not None:
                position = floor_position(
                    person.keypoints,
                    person.bbox,
                    person.layout,
                    self._homography,
                    cfg.min_keypoint_score,
                )
                if position is not None:
                    person.position, person.position_source = position, PositionSource.FLOOR
                    person.position_frame_id = cfg.floor_frame_id
            if cfg.output_layout != person.layout:
                person.keypoints = convert(person.keypoints, person.layout, cfg.output_layout)
                if person.keypoints_3d is not None:
                    with_score = np.column_stack(
                        [person.keypoints_3d, np.ones(len(person.keypoints_3d))]
                    )
                    person.keypoints_3d = convert(with_score, person.layout, cfg.output_layout)[
                        :, :3
                    ]
                person.layout = cfg.output_layout
        return people
