"""Training a streaming model on streams: per-frame labels, and outlier exposure.

A cell's camera sees actions follow one another, with pauses and moves in
between; the action node names each frame from the frames before it. So a
streaming model is trained on what that looks like: training clips (at the
model's rate, augmented) chained with pauses (the last pose held, with
jitter) and transitions (one pose moving into the next) between them, and
cut at a random point, so that action starts and short actions are as
frequent as a window of the stream makes them. Each frame's label is its
clip's class; transitions are not scored; a pause after standing still is
the class of standing still where the data has one (``pause_label``, e.g.
the fridge's *waiting*) and after another action is not scored; with no
such class pauses, like *outlier* segments, are trained towards the uniform
distribution (outlier exposure, Hendrycks et al. 2019), which is what makes
`unknown` mean something. Outlier segments are built from the training
clips only (the first half of one class spliced to the second half of
another), so no class a test keeps out can ever be in them. Clips played
backwards are not used: many actions are their own or another class's
reverse (sit to stand, swipe left and right, a wave).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .augment import Augmentation, augment
from .dataset import SequenceDataset
from .preprocess import Normalisation, at_model_rate, seen_centre, window_features

IGNORE = -100  # a transition: no loss
OUTLIER = -1  # none of the classes: trained towards the uniform distribution

PAUSE_S = (0.2, 1.2)  # a held pose between two actions
TRANSITION_S = (0.1, 0.4)  # one pose moving into the next
PAUSE_SHARE = 0.3  # of the joins that have a pause
OUTLIER_SHARE = 0.2  # of the segments that are outliers (with exposure on)


@dataclass(frozen=True)
class Segment:
    """Where a stream's frames came from: a clip, a pause, a transition or an outlier."""

    kind: str  # "clip", "pause", "transition", "spliced"
    clips: tuple[int, ...]  # dataset rows it was made of
    frames: int


def _shift_to(clip: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """``clip`` moved so that its first frame stands where ``anchor`` (a frame) stands."""
    moved = clip.copy()
    moved[..., :2] += seen_centre(anchor) - seen_centre(clip[0])
    return moved


def outlier_clip(
    dataset: SequenceDataset, rng: np.random.Generator, fps: float, norm: Normalisation
) -> tuple[np.ndarray, Segment] | None:
    """Motion that is none of the classes: halves of two training clips of two classes.

    None with a single class.
    """
    first = int(rng.integers(len(dataset)))
    clip = at_model_rate(dataset.sequences[first], fps, norm)
    others = np.flatnonzero(dataset.labels != dataset.labels[first])
    if not len(others):
        return None
    second = int(rng.choice(others))
    tail = at_model_rate(dataset.sequences[second], fps, norm)
    head, tail = clip[: max(1, len(clip) // 2)], tail[len(tail) // 2 :]
    joined = np.concatenate([head, _shift_to(tail, head[-1])])
    return joined, Segment("spliced", (first, second), len(joined))


def _pause_truth(before: int, pause_label: int | None, exposure: bool) -> int:
    """The label of a pose held after a clip labelled ``before``.

    Holding still after standing still is the pause class. After another
    action the pose is wherever that clip was cut (often an arm still out at a
    door handle), which is no class: not scored, or with no pause class,
    outlier exposure.
    """
    if pause_label is None:
        return OUTLIER if exposure else IGNORE
    return pause_label if before == pause_label else IGNORE


def labelled_stream(
    dataset: SequenceDataset,
    length: int,
    norm: Normalisation,
    rng: np.random.Generator,
    aug: Augmentation | None = None,
    exposure: bool = True,
    pause_label: int | None = None,
) -> tuple[np.ndarray, np.ndarray, list[Segment]]:
    """(frames (length, J, C) at the model's rate, labels (length,), segments) of a stream.

    The stream is built a little longer than ``length`` and cut at a random
    point, so that any frame of an action (its first ones too) ends up in it.
    """
    fps = float(dataset.meta.get("fps", 30.0))
    rate = norm.rate_hz
    frames, labels, segments = [], [], []
    total, wanted = 0, length + int(rng.integers(0, length))
    while total < wanted:
        outlier = (
            outlier_clip(dataset, rng, fps, norm)
            if exposure and rng.random() < OUTLIER_SHARE
            else None
        )
        if outlier is not None:
            (clip, segment), label = outlier, OUTLIER
        else:
            row = int(rng.integers(len(dataset)))
            sequence = dataset.sequences[row]
            if aug is not None:
                sequence = augment(sequence, dataset.layout, aug, rng)
            clip = at_model_rate(sequence, fps, norm)
            segment, label = Segment("clip", (row,), len(clip)), int(dataset.labels[row])
        if frames:
            last = frames[-1][-1]
            clip = _shift_to(clip, last)
            if rng.random() < PAUSE_SHARE:
                hold = max(1, round(rng.uniform(*PAUSE_S) * rate))
                pause = np.repeat(last[None], hold, axis=0).copy()
                pause[..., :2] += rng.normal(0.0, 0.5, pause[..., :2].shape)
                frames.append(pause)
                labels.append(
                    np.full(hold, _pause_truth(int(labels[-1][-1]), pause_label, exposure))
                )
                segments.append(Segment("pause", (), hold))
            steps = max(1, round(rng.uniform(*TRANSITION_S) * rate))
            w = np.linspace(0, 1, steps + 2)[1:-1, None, None]
            move = (1 - w) * last[None] + w * clip[:1]
            move[..., -1] = np.minimum(last[..., -1], clip[0][..., -1])
            frames.append(move.astype(clip.dtype))
            labels.append(np.full(steps, IGNORE))
            segments.append(Segment("transition", (), steps))
        frames.append(clip)
        labels.append(np.full(len(clip), label))
        segments.append(segment)
        total = sum(len(f) for f in frames)
    stream, truth = np.concatenate(frames), np.concatenate(labels)
    end = int(rng.integers(length, len(stream) + 1))
    return stream[end - length : end], truth[end - length : end], segments


def stream_batch(
    dataset: SequenceDataset,
    count: int,
    norm: Normalisation,
    rng: np.random.Generator,
    aug: Augmentation | None = None,
    exposure: bool = True,
    pause_label: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Model input (count, C, window, J) of ``count`` streams and their labels (count, window)."""
    frames, labels = labelled_streams(dataset, count, norm, rng, aug, exposure, pause_label)
    x = np.stack([window_features(stream, dataset.layout, norm) for stream in frames])
    return x, labels


def labelled_streams(
    dataset: SequenceDataset,
    count: int,
    norm: Normalisation,
    rng: np.random.Generator,
    aug: Augmentation | None = None,
    exposure: bool = True,
    pause_label: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw frames (count, window, J, C) of ``count`` streams and their labels (count, window)."""
    drawn = [
        labelled_stream(dataset, norm.window, norm, rng, aug, exposure, pause_label)
        for _ in range(count)
    ]
    return np.stack([d[0] for d in drawn]), np.stack([d[1] for d in drawn]).astype(np.int64)


def stream_loss(
    frame_logits: torch.Tensor,
    labels: torch.Tensor,
    outlier_weight: float,
    label_smoothing: float = 0.1,
) -> torch.Tensor:
    """Cross-entropy on the labelled frames, plus outlier exposure.

    The outlier frames add ``outlier_weight`` x their cross-entropy to the
    uniform distribution.
    """
    logits = frame_logits.reshape(-1, frame_logits.shape[-1])
    labels = labels.reshape(-1)
    known = labels >= 0
    loss = (
        torch.nn.functional.cross_entropy(
            logits[known], labels[known], label_smoothing=label_smoothing
        )
        if known.any()
        else logits.sum() * 0.0
    )
    outliers = labels == OUTLIER
    if outlier_weight > 0 and outliers.any():
        loss = loss - outlier_weight * torch.log_softmax(logits[outliers], dim=1).mean()
    return loss
