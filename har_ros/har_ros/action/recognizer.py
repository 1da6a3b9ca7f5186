"""Skeleton frames in, per-person actions out: windows + one batched forward pass.

The ROS-free core of the action node. All people whose window is due are
classified together in one forward pass; probabilities are smoothed per
person with an exponential moving average; a confidence under the threshold
is reported as "unknown".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..resources import package_file
from ..skeleton.types import SkeletonFrame
from .checkpoint import Checkpoint, load_checkpoint
from .inference import inference_model
from .preprocess import batch_window_features
from .windowing import WindowBuffers, WindowConfig

DEFAULT_MODEL = package_file("models", "fridge_stgcn.pt")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Recognition:
    track_id: int
    label: str
    label_index: int
    confidence: float
    scores: np.ndarray
    start_ns: int
    end_ns: int


@dataclass(frozen=True)
class RecognizerSettings:
    rate_hz: float = 0.0  # 0 = the checkpoint's time base
    stride: int = 0  # 0 = the checkpoint's
    max_gap: float = 0.5
    track_timeout: float = 2.0
    min_valid_joints: float = 0.5
    smoothing_alpha: float = 0.6  # weight of the newest window; 1 = no smoothing
    unknown_threshold: float = 0.4


class ActionRecognizer:
    def __init__(self, checkpoint: Checkpoint, settings: RecognizerSettings | None = None):
        self.settings = settings or RecognizerSettings()
        if not 0.0 < self.settings.smoothing_alpha <= 1.0:
            raise ValueError("smoothing_alpha must be in (0, 1]")
        if not 0.0 <= self.settings.unknown_threshold <= 1.0:
            raise ValueError("unknown_threshold must be in [0, 1]")
        self.checkpoint = checkpoint
        self.model = inference_model(checkpoint.build())
        s = self.settings
        self.buffers = WindowBuffers(WindowConfig(
            window=checkpoint.normalisation.window, stride=s.stride or checkpoint.stride,
            rate_hz=s.rate_hz or checkpoint.normalisation.rate_hz, max_gap=s.max_gap,
            track_timeout=s.track_timeout, min_valid_joints=s.min_valid_joints,
            layout=checkpoint.layout.name))
        self._smoothed: dict[int, np.ndarray] = {}
        self.last_batch = 0

    @classmethod
    def from_path(cls, path: str | Path = "", settings: RecognizerSettings | None = None
                  ) -> ActionRecognizer:
        return cls(load_checkpoint(path or DEFAULT_MODEL), settings)

    @property
    def class_names(self) -> list[str]:
        return self.checkpoint.class_names

    def process(self, frame: SkeletonFrame) -> list[Recognition]:
        self.buffers.begin_frame(frame.stamp_ns)
        seen: set[int] = set()
        for person in frame.people:
            if person.track_id in seen:
                self.buffers.drops["duplicate_id"] += 1
                continue
            seen.add(person.track_id)
            self.buffers.add(person.track_id, frame.stamp_ns, person.keypoints, person.layout)
        for track_id in [t for t in self._smoothed if t not in self.buffers.people]:
            del self._smoothed[track_id]
        windows = self.buffers.ready()
        self.last_batch = len(windows)
        if not windows:
            return []
        layout, norm = self.checkpoint.layout, self.checkpoint.normalisation
        batch = batch_window_features(np.stack([w.keypoints for w in windows]), layout, norm)
        with torch.inference_mode():
            probs = torch.softmax(self.model(torch.from_numpy(batch)), dim=1).numpy()
        out = []
        alpha = self.settings.smoothing_alpha
        for window, p in zip(windows, probs, strict=True):
            previous = self._smoothed.get(window.track_id)
            smoothed = p if previous is None else alpha * p + (1 - alpha) * previous
            self._smoothed[window.track_id] = smoothed
            index = int(np.argmax(smoothed))
            confidence = float(smoothed[index])
            if confidence < self.settings.unknown_threshold:
                label, index = UNKNOWN, -1
            else:
                label = self.class_names[index]
            out.append(Recognition(window.track_id, label, index, confidence,
                                   smoothed.astype(np.float32), window.start_ns, window.end_ns))
        return out
