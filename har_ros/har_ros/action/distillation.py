"""A window model as the teacher of a streaming one (knowledge distillation).

Per-frame labels say *opening door* from the first frame of a door clip, when
nothing yet tells opening from closing; a window model that has seen the
last two seconds says how far it can tell them apart. Its probabilities at
a stream's frames are soft targets for the streaming model's output there
(Hinton et al. 2015), so the streaming model learns to read what the window
model reads in a window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .checkpoint import Checkpoint
from .inference import inference_model
from .preprocess import batch_window_features, window_features


class TeacherError(ValueError):
    """The teacher checkpoint cannot teach this training run; the text says why."""


@dataclass
class Teacher:
    """A window checkpoint, and the frames of a stream it gives targets at."""

    checkpoint: Checkpoint
    every: int  # a target at every ``every``-th frame of a stream (and its last)
    temperature: float  # softens both distributions (2-4 usual)

    def __post_init__(self) -> None:
        if self.every < 1 or not self.temperature > 0:
            raise TeacherError("a teacher needs every >= 1 and a temperature > 0")
        self._model = inference_model(self.checkpoint.build())

    def check(
        self, class_names: list[str], layout: str, rate_hz: float, channels: tuple[str, ...]
    ) -> None:
        """TeacherError unless it is a window model of these classes, layout, channels and rate."""
        c = self.checkpoint
        from .models import STREAMING_MODELS

        if c.model_name in STREAMING_MODELS or c.normalisation.sampling != "crop":
            raise TeacherError(
                f"a teacher is a window model cut from streams (sampling crop), got "
                f"{c.model_name} with sampling {c.normalisation.sampling}"
            )
        if tuple(c.channels) != tuple(channels):
            raise TeacherError(f"teacher channels {c.channels} differ from {channels}")
        if list(c.class_names) != list(class_names):
            raise TeacherError(f"teacher classes {c.class_names} differ from {class_names}")
        if c.layout.name != layout:
            raise TeacherError(f"teacher layout {c.layout.name} differs from {layout}")
        if c.normalisation.rate_hz != rate_hz:
            raise TeacherError(
                f"teacher rate {c.normalisation.rate_hz} Hz differs from the model's {rate_hz} Hz"
            )

    def frames(self, length: int) -> np.ndarray:
        """The frame indices of a stream of ``length`` frames that get a target."""
        return np.unique(np.r_[np.arange(self.every - 1, length, self.every), length - 1])

    def targets(self, streams: np.ndarray) -> np.ndarray:
        """Soft targets (N, len(frames), K) for raw streams (N, T, J, C) at the model rate.

        Each is the teacher's output on its window ending at that frame, the
        stream's first frame repeated before it where the window reaches back
        past the stream's start (as the node fills a new person's window).
        """
        n, length = streams.shape[:2]
        window = self.checkpoint.normalisation.window
        padded = np.concatenate([np.repeat(streams[:, :1], window - 1, axis=1), streams], axis=1)
        ends = self.frames(length) + window - 1
        windows = np.stack([padded[:, e - window + 1 : e + 1] for e in ends], axis=1)
        x = batch_window_features(
            windows.reshape(-1, *windows.shape[2:]),
            self.checkpoint.layout,
            self.checkpoint.normalisation,
        )
        with torch.no_grad():
            logits = torch.cat(
                [self._model(torch.from_numpy(x[i : i + 512])) for i in range(0, len(x), 512)]
            )
        probs = torch.softmax(logits / self.temperature, dim=1)
        return probs.numpy().reshape(n, len(ends), -1)


@dataclass
class DistillationPool:
    """Labelled streams with the teacher's targets, made once and drawn from every epoch.

    The teacher costs a window model's work per target, about ten times a
    streaming epoch's, so its targets are computed once for a pool of
    augmented streams (several per training clip) instead of every epoch.
    """

    x: np.ndarray  # model input (N, C, T, J)
    labels: np.ndarray  # (N, T)
    targets: np.ndarray  # (N, F, K) at Teacher.frames(T)
    frames: np.ndarray  # the F target frames

    @classmethod
    def make(cls, teacher: Teacher, streams: np.ndarray, labels: np.ndarray, layout, norm):
        """From raw streams (N, T, J, C) at the model rate and their labels."""
        x = np.stack([window_features(stream, layout, norm) for stream in streams])
        targets = np.concatenate(
            [teacher.targets(streams[i : i + 64]) for i in range(0, len(streams), 64)]
        )
        return cls(x, labels, targets, teacher.frames(streams.shape[1]))

    def draw(self, count: int, rng: np.random.Generator):
        """(x, labels, targets) of ``count`` streams of the pool, without repeats where it can."""
        rows = rng.choice(len(self.x), size=count, replace=count > len(self.x))
        return self.x[rows], self.labels[rows], self.targets[rows]


def distillation_loss(
    frame_logits: torch.Tensor,
    targets: torch.Tensor,
    frames: np.ndarray,
    known: torch.Tensor,
    temperature: float,
) -> torch.Tensor:
    """KL(teacher || student) at the target ``frames`` whose label is a known class.

    ``frame_logits`` (N, T, K), ``targets`` (N, F, K), ``known`` (N, T) bool;
    scaled by temperature² so its gradients match the hard loss's at any
    temperature. Outlier and transition frames (no known label) are left to the
    hard loss; a pause labelled with the pause class is distilled like any other.
    """
    student = torch.log_softmax(frame_logits[:, frames] / temperature, dim=2)
    mask = known[:, frames]
    if not mask.any():
        return frame_logits.sum() * 0.0
    kl = (targets * (torch.log(targets.clamp_min(1e-8)) - student)).sum(dim=2)
    return kl[mask].mean() * temperature**2
