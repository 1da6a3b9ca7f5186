"""Skeleton frames in, per-person actions out: windows + one batched forward pass.

The ROS-free core of the action node. All people whose window is due are
classified together in one forward pass. Logits are divided by the
checkpoint's temperature (calibrated confidences); probabilities and the
rejection score are smoothed per person with an exponential moving average;
a window whose rejection score is under the checkpoint's threshold (or whose
confidence is under an explicit ``unknown_threshold``) is "unknown".

A streaming model (``STREAMING_MODELS``) keeps one state per person instead:
each step feeds it the person's newest frame (its features from that frame
and the one a model period before), so an output costs one frame's work. A
step comes with each camera frame at least a model period after the last;
with a camera rate that is no multiple of the model's (20 fps for 15 Hz) the
steps are that much further apart than in training. The state starts
afresh for a new person, after a gap longer than ``max_gap`` or a stamp
going back, and with a new model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..resources import package_file
from ..skeleton.types import SkeletonFrame
from .calibration import Calibration
from .checkpoint import Checkpoint, load_checkpoint
from .inference import inference_model
from .models import STREAMING_MODELS
from .preprocess import batch_window_features
from .windowing import WindowBuffers, WindowConfig

DEFAULT_MODEL = package_file("models", "fridge_stgcn.pt")
UNKNOWN = "unknown"
FROM_CHECKPOINT = -1.0  # unknown_threshold: the checkpoint's calibrated rejection
UNCALIBRATED_THRESHOLD = 0.4  # max-softmax threshold of a checkpoint without calibration


@dataclass(frozen=True)
class Recognition:
    track_id: int
    label: str
    label_index: int
    confidence: float
    scores: np.ndarray
    start_ns: int
    end_ns: int
    known_score: float  # the rejection score (higher = more like the training data)


@dataclass(frozen=True)
class RecognizerSettings:
    rate_hz: float = 0.0  # 0 = the checkpoint's time base
    stride: int = 0  # 0 = the checkpoint's
    max_gap: float = 0.5
    track_timeout: float = 2.0
    min_valid_joints: float = 0.5
    smoothing_alpha: float = 0.6  # weight of the newest window; 1 = no smoothing
    unknown_threshold: float = FROM_CHECKPOINT  # or a confidence in [0, 1]
    min_fill: float = 1.0  # share of the window a new track needs before its first output
    # the shown class stays until another leads it by this much (hysteresis against
    # flicker; measured in docs/ACTION_MODELS.md)
    switch_margin: float = 0.2


class ActionRecognizer:
    def __init__(self, checkpoint: Checkpoint, settings: RecognizerSettings | None = None):
        self.settings = settings or RecognizerSettings()
        if not 0.0 < self.settings.smoothing_alpha <= 1.0:
            raise ValueError("smoothing_alpha must be in (0, 1]")
        if not 0.0 <= self.settings.switch_margin < 1.0:
            raise ValueError("switch_margin must be in [0, 1)")
        threshold = self.settings.unknown_threshold
        if threshold != FROM_CHECKPOINT and not 0.0 <= threshold <= 1.0:
            raise ValueError("unknown_threshold must be -1 (the checkpoint's) or in [0, 1]")
        self.checkpoint = checkpoint
        self.rejection = self._rejection(checkpoint.calibration, threshold)
        self.model = inference_model(checkpoint.build())
        self.streaming = checkpoint.model_name in STREAMING_MODELS
        s = self.settings
        if self.streaming and (
            s.stride not in (0, checkpoint.stride)
            or s.rate_hz not in (0.0, checkpoint.normalisation.rate_hz)
        ):
            raise ValueError(
                "a streaming model steps once per frame of its own time base: "
                "leave stride and rate_hz at 0 (the checkpoint's)"
            )
        self.buffers = WindowBuffers(
            WindowConfig(
                # a streaming model needs a person's newest frame and the one before it
                window=2 if self.streaming else checkpoint.normalisation.window,
                stride=s.stride or checkpoint.stride,
                rate_hz=s.rate_hz or checkpoint.normalisation.rate_hz,
                max_gap=s.max_gap,
                track_timeout=s.track_timeout,
                min_valid_joints=s.min_valid_joints,
                layout=checkpoint.layout.name,
                min_fill=s.min_fill,
                joints=checkpoint.layout.num_joints,
                channels=len(checkpoint.channels),
            )
        )
        # per track: smoothed probabilities, smoothed energy, the class shown last (-1: none)
        self._smoothed: dict[int, tuple[np.ndarray, float, int]] = {}
        self._states: dict[int, tuple[torch.Tensor, int]] = {}  # streaming: (state, end_ns)
        self.last_batch = 0

    @classmethod
    def from_path(
        cls, path: str | Path = "", settings: RecognizerSettings | None = None
    ) -> ActionRecognizer:
        return cls(load_checkpoint(path or DEFAULT_MODEL), settings)

    @staticmethod
    def _rejection(calibration: Calibration, threshold: float) -> Calibration:
        """The calibration in use: the checkpoint's, or a max-softmax one at ``threshold``."""
        if threshold == FROM_CHECKPOINT:
            if calibration.fitted_on:
                return calibration
            threshold = UNCALIBRATED_THRESHOLD
        return Calibration(
            temperature=calibration.temperature,
            score="max_softmax",
            threshold=threshold,
            fitted_on=calibration.fitted_on,
        )

    @property
    def class_names(self) -> list[str]:
        return self.checkpoint.class_names

    def reset(self) -> None:
        """Forget every person (after an unexpected error, whatever state it left)."""
        self.buffers.reset()
        self._smoothed.clear()
        self._states.clear()

    def _model_keypoints(self, person) -> np.ndarray | None:
        """What the model reads of a person: 2D keypoints, or 3D joints and their scores.

        A 3D checkpoint takes the person's 3D joints (a depth camera's or a
        body tracker's, metres): a joint is seen where its 3D position is known,
        whether or not it is in the image. A person with no 3D at all cannot be
        classified by it and is counted (``no_3d``).
        """
        if self.checkpoint.coord_dims == 2:
            return person.keypoints
        if person.keypoints_3d is None:
            self.buffers.drops["no_3d"] += 1
            return None
        xyz = np.asarray(person.keypoints_3d, np.float32)
        seen = np.isfinite(xyz).all(axis=1, keepdims=True)
        return np.concatenate([xyz, seen.astype(np.float32)], axis=1)

    def process(self, frame: SkeletonFrame) -> list[Recognition]:
        self.buffers.begin_frame(frame.stamp_ns)
        seen: set[int] = set()
        for person in frame.people:
            if person.track_id in seen:
                self.buffers.drops["duplicate_id"] += 1
                continue
            seen.add(person.track_id)
            keypoints = self._model_keypoints(person)
            if keypoints is not None:
                self.buffers.add(person.track_id, frame.stamp_ns, keypoints, person.layout)
        for track_id in [t for t in self._smoothed if t not in self.buffers.people]:
            del self._smoothed[track_id]
        for track_id in [t for t in self._states if t not in self.buffers.people]:
            del self._states[track_id]
        windows = self.buffers.ready()
        self.last_batch = len(windows)
        if not windows:
            return []
        layout, norm = self.checkpoint.layout, self.checkpoint.normalisation
        batch = batch_window_features(np.stack([w.keypoints for w in windows]), layout, norm)
        with torch.inference_mode():
            logits = (
                (
                    self._step(windows, batch)
                    if self.streaming
                    else self.model(torch.from_numpy(batch))
                )
                .numpy()
                .astype(np.float64)
            )
        rejection = self.rejection
        probs = rejection.probabilities(logits)
        # max-softmax is the smoothed confidence itself; only energy is a score of its own
        energies = (
            rejection.known_score(logits) if rejection.score == "energy" else np.zeros(len(windows))
        )
        out = []
        alpha = self.settings.smoothing_alpha
        by_class = rejection.score == "max_softmax"  # the score is the shown class's probability
        for window, p, energy in zip(windows, probs, energies, strict=True):
            previous = self._smoothed.get(window.track_id)
            if previous is not None:
                p = alpha * p + (1 - alpha) * previous[0]
                energy = alpha * energy + (1 - alpha) * previous[1]
            top = int(np.argmax(p))
            held = previous[2] if previous is not None else -1
            if (
                held >= 0
                and p[top] - p[held] < self.settings.switch_margin
                and (p[held] if by_class else energy) >= rejection.threshold
            ):
                top = held  # the shown class holds until another is clearly ahead
            confidence = float(p[top])
            score = confidence if by_class else float(energy)
            # "not >=": a NaN score (a broken model's output) is unknown, never class 0
            label, index = (
                (UNKNOWN, -1) if not score >= rejection.threshold else (self.class_names[top], top)
            )
            if np.isfinite(p).all() and np.isfinite(energy):  # a NaN never sticks to a track
                self._smoothed[window.track_id] = (p, float(energy), index)
            else:
                self._smoothed.pop(window.track_id, None)
            out.append(
                Recognition(
                    window.track_id,
                    label,
                    index,
                    confidence,
                    p.astype(np.float32),
                    window.start_ns,
                    window.end_ns,
                    score,
                )
            )
        return out

    def _step(self, windows: list, batch: np.ndarray) -> torch.Tensor:
        """A streaming model's logits for each person's newest frame; their states move on."""
        max_gap_ns = round(self.settings.max_gap * 1e9)
        states = []
        for window in windows:
            kept = self._states.get(window.track_id)
            going_on = kept is not None and 0 < window.end_ns - kept[1] <= max_gap_ns
            states.append(kept[0] if going_on else self.model.zero_state(1))
        logits, new = self.model.step(torch.from_numpy(batch[:, :, -1]), torch.cat(states))
        finite = torch.isfinite(new.reshape(len(windows), -1)).all(dim=1)
        for i, window in enumerate(windows):
            if finite[i]:
                self._states[window.track_id] = (new[i : i + 1], window.end_ns)
            else:  # a non-finite state would never recover: the person starts afresh
                self._states.pop(window.track_id, None)
        return logits
