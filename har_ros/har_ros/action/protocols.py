"""Generalisation protocols: (train, test) pairs on which training defaults are chosen.

A recipe tuned on one dataset can fail on the next one, so defaults are
scored on several protocols at once: UTD-MHAD cross-subject with all, half
or a quarter of the training clips; the same data in a 15-joint layout with
names of its own (joints dropped and re-ordered); clips cropped to 15-40
frames; and the synthetic fridge actions seen from a viewpoint kept out of
training. Each builder takes the run's seed: it chooses the training subset,
while crops and the test sets stay fixed, so the spread over seeds is the
recipe's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..skeleton.layouts import Layout
from .dataset import SequenceDataset

Split = tuple[SequenceDataset, SequenceDataset]

# UTD-MHAD's Kinect joints into a 15-joint "puppet" layout (a JHMDB-like order
# and naming): hip centre, hands and feet dropped, the rest re-ordered.
PUPPET15_FROM_KINECT20 = (1, 2, 0, 8, 4, 16, 12, 9, 5, 17, 13, 10, 6, 18, 14)
PUPPET15 = Layout(
    "puppet15",
    (
        "Neck",
        "Belly",
        "Face",
        "RShoulder",
        "LShoulder",
        "RHip",
        "LHip",
        "RElbow",
        "LElbow",
        "RKnee",
        "LKnee",
        "RWrist",
        "LWrist",
        "RAnkle",
        "LAnkle",
    ),
    (
        (0, 2),
        (0, 1),
        (0, 3),
        (0, 4),
        (1, 5),
        (1, 6),
        (3, 7),
        (7, 11),
        (4, 8),
        (8, 12),
        (5, 9),
        (9, 13),
        (6, 10),
        (10, 14),
    ),
)
SHORT_CLIP_FRAMES = (15, 40)
FRIDGE_UNSEEN_VIEW = "left_side"


@dataclass(frozen=True)
class Protocol:
    name: str
    description: str
    needs_utd: bool
    build: Callable[[SequenceDataset | None, int], Split]


def _train_test(dataset: SequenceDataset) -> Split:
    return dataset.subset(dataset.split != "test"), dataset.subset(dataset.split == "test")


def per_class_fraction(dataset: SequenceDataset, fraction: float, seed: int) -> SequenceDataset:
    """A seeded ``fraction`` of the clips of every class (at least one each)."""
    rng = np.random.default_rng(1000 + seed)
    keep = np.zeros(len(dataset), bool)
    for label in np.unique(dataset.labels):
        idx = np.flatnonzero(dataset.labels == label)
        keep[rng.choice(idx, size=max(1, round(fraction * len(idx))), replace=False)] = True
    return dataset.subset(keep)


def to_puppet15(dataset: SequenceDataset) -> SequenceDataset:
    """UTD-MHAD clips in the 15-joint layout the code does not know."""
    return SequenceDataset(
        [s[:, PUPPET15_FROM_KINECT20] for s in dataset.sequences],
        dataset.labels,
        dataset.class_names,
        dataset.subjects,
        PUPPET15,
        dataset.channels,
        dataset.split,
        dataset.views,
        {**dataset.meta, "layout_from": dataset.layout.name},
    )


def crop_clips(
    dataset: SequenceDataset, frames: tuple[int, int] = SHORT_CLIP_FRAMES, seed: int = 0
) -> SequenceDataset:
    """Every clip cut to a random stretch of ``frames`` (min, max) frames, fixed by ``seed``."""
    rng = np.random.default_rng(seed)
    cropped = []
    for seq in dataset.sequences:
        length = min(len(seq), int(rng.integers(frames[0], frames[1] + 1)))
        start = int(rng.integers(0, len(seq) - length + 1))
        cropped.append(seq[start : start + length])
    return SequenceDataset(
        cropped,
        dataset.labels,
        dataset.class_names,
        dataset.subjects,
        dataset.layout,
        dataset.channels,
        dataset.split,
        dataset.views,
        dict(dataset.meta),
    )


def _utd_fraction(fraction: float):
    def build(utd: SequenceDataset, seed: int) -> Split:
        train, test = _train_test(utd)
        return (per_class_fraction(train, fraction, seed) if fraction < 1 else train), test

    return build


def _utd_puppet(utd: SequenceDataset, seed: int) -> Split:
    return _train_test(to_puppet15(utd))


def _utd_short(utd: SequenceDataset, seed: int) -> Split:
    return _train_test(crop_clips(utd))


def _utd_puppet_short(utd: SequenceDataset, seed: int) -> Split:
    return _train_test(crop_clips(to_puppet15(utd)))


def _fridge_view(_: SequenceDataset | None, seed: int) -> Split:
    from .synth import VIEWS, make_dataset

    data = make_dataset(subjects=12, repetitions=5, seed=0, views=tuple(VIEWS))
    train = data.subset((data.split == "train") & (data.views != FRIDGE_UNSEEN_VIEW))
    test = data.subset((data.split == "test") & (data.views == FRIDGE_UNSEEN_VIEW))
    return train, test


PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in (
        Protocol(
            "utd_100", "UTD-MHAD 2D cross-subject, all training clips", True, _utd_fraction(1.0)
        ),
        Protocol(
            "utd_50", "the same, half the training clips of each class", True, _utd_fraction(0.5)
        ),
        Protocol(
            "utd_25",
            "the same, a quarter of the training clips of each class",
            True,
            _utd_fraction(0.25),
        ),
        Protocol(
            "utd_custom_layout",
            "UTD-MHAD in a 15-joint layout of its own (puppet15)",
            True,
            _utd_puppet,
        ),
        Protocol("utd_short", "UTD-MHAD clips cropped to 15-40 frames", True, _utd_short),
        Protocol(
            "utd_custom_short",
            "both at once: the 15-joint layout and 15-40 frame clips (16 training clips per class)",
            True,
            _utd_puppet_short,
        ),
        Protocol(
            "fridge_unseen_view",
            "synthetic fridge actions, test viewpoint left_side unseen in training, unseen people",
            False,
            _fridge_view,
        ),
    )
}


def build_protocol(name: str, seed: int, utd_dir: str | Path | None) -> Split:
    """The (train, test) datasets of protocol ``name`` for one seed."""
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; known: {list(PROTOCOLS)}")
    protocol = PROTOCOLS[name]
    utd = None
    if protocol.needs_utd:
        from .loaders import load_utd_mhad

        if utd_dir is None:
            raise ValueError(f"protocol {name} needs the UTD-MHAD skeleton folder")
        utd = load_utd_mhad(utd_dir)
    return protocol.build(utd, seed)


def class_halves(dataset: SequenceDataset) -> tuple[SequenceDataset, SequenceDataset]:
    """The clips of the first half of the classes and of the rest, each with its own list.

    The few-shot protocol pretrains on one half and fine-tunes on the other:
    actions the pretrained model has never been told about.
    """
    half = (len(dataset.class_names) + 1) // 2
    parts = []
    for offset, names in ((0, dataset.class_names[:half]), (half, dataset.class_names[half:])):
        part = dataset.subset((dataset.labels >= offset) & (dataset.labels < offset + len(names)))
        parts.append(
            SequenceDataset(
                part.sequences,
                part.labels - offset,
                list(names),
                part.subjects,
                part.layout,
                part.channels,
                part.split,
                part.views,
                dict(part.meta),
            )
        )
    return parts[0], parts[1]


def clips_per_class(dataset: SequenceDataset, clips: int, seed: int) -> SequenceDataset:
    """``clips`` seeded clips of every class (all of a class that has fewer; 0 = all)."""
    if clips <= 0:
        return dataset
    rng = np.random.default_rng(2000 + seed)
    keep = np.zeros(len(dataset), bool)
    for label in np.unique(dataset.labels):
        idx = np.flatnonzero(dataset.labels == label)
        keep[rng.choice(idx, size=min(clips, len(idx)), replace=False)] = True
    return dataset.subset(keep)
