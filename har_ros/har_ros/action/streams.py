"""Continuous labelled streams: what the action node sees on a cell, with its truth.

A stream is skeleton frames (several tracked people at once) plus label
intervals per person in the frames' clock. Two sources: the synthetic fridge
stream (``synth.make_stream`` with idle gaps and actions outside the class
list) and real clips chained one after another per subject, with a short
blend between them, so a person goes from one action to the next as on a
cell. Gaps between chained clips carry no label: they are neither scored as
an action nor as "outside the class list".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..skeleton.types import Person, PositionSource, SkeletonFrame
from .dataset import SequenceDataset
from .labels import LabelInterval
from .synth import StreamFrame

START_NS = 1_700_000_000_000_000_000  # a fixed epoch so stream stamps are reproducible
# UTD-MHAD classes kept out of training for the online protocol (0-based): spread over the
# list so that arm, hand and whole-body actions are among them
UTD_OUTSIDE_CLASSES = (3, 7, 11, 15, 19, 23, 26)
CHAIN_GAP_S = (0.3, 1.0)


@dataclass
class LabelledStream:
    frames: list[SkeletonFrame]
    intervals: list[LabelInterval]  # seconds in the frames' clock
    fps: float
    meta: dict = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return sorted({iv.label for iv in self.intervals})


def stream_frame_to_skeletons(frame: StreamFrame, start_ns: int = START_NS) -> SkeletonFrame:
    people = [
        Person(
            keypoints=p["keypoints"],
            layout="coco17",
            score=0.9,
            bbox=p["bbox"],
            track_id=p["track_id"],
            position=np.array([*p["floor_xy"], 0.0]),
            position_source=PositionSource.FLOOR,
            position_frame_id="floor",
        )
        for p in frame.people
    ]
    return SkeletonFrame(start_ns + round(frame.stamp * 1e9), "camera", 640, 480, people)


def stream_labels(
    frames: list[StreamFrame], fps: float, start_ns: int = START_NS
) -> list[LabelInterval]:
    """Per-person label segments of a stream, in absolute seconds."""
    intervals, open_segments = [], {}
    for frame in frames:
        t = start_ns * 1e-9 + frame.stamp
        present = {p["track_id"]: p["label"] for p in frame.people}
        for track, (label, start, last) in list(open_segments.items()):
            if present.get(track) != label:
                intervals.append(LabelInterval(track, start, last + 1.0 / fps, label))
                del open_segments[track]
        for track, label in present.items():
            if track in open_segments:
                open_segments[track] = (label, open_segments[track][1], t)
            else:
                open_segments[track] = (label, t, t)
    for track, (label, start, last) in open_segments.items():
        intervals.append(LabelInterval(track, start, last + 1.0 / fps, label))
    return sorted(intervals, key=lambda i: (i.start, i.track_id))


def fridge_stream(frames: list[StreamFrame], fps: float, **meta) -> LabelledStream:
    """A ``synth.make_stream`` stream as skeleton frames and label intervals."""
    return LabelledStream(
        [stream_frame_to_skeletons(f) for f in frames],
        stream_labels(frames, fps),
        fps,
        {"source": "har synth", **meta},
    )


def _bbox(keypoints: np.ndarray) -> tuple[float, float, float, float]:
    seen = keypoints[:, 2] > 0
    if not seen.any():
        return 0.0, 0.0, 1.0, 1.0
    xy = keypoints[seen, :2]
    return (
        float(xy[:, 0].min()),
        float(xy[:, 1].min()),
        float(xy[:, 0].max()),
        float(xy[:, 1].max()),
    )


def chain_clips(
    dataset: SequenceDataset,
    seed: int = 0,
    gap_s: tuple[float, float] = CHAIN_GAP_S,
) -> LabelledStream:
    """Every subject's clips one after another, all subjects at once (one track each).

    Clips are shuffled per subject; between two clips the pose blends
    linearly from the last frame of one to the first of the next over a gap
    of ``gap_s`` seconds (unlabelled). x, y (and score) only; a clip's frames
    keep their recorded rate (``meta["fps"]``).
    """
    fps = float(dataset.meta.get("fps", 30.0))
    rng = np.random.default_rng(seed)
    subjects = np.asarray(dataset.subjects)
    tracks: dict[int, list[np.ndarray]] = {}
    intervals = []
    for subject in sorted({int(s) for s in subjects}):
        clips = np.flatnonzero(subjects == subject)
        rng.shuffle(clips)
        frames, t = [], 0
        for n, index in enumerate(clips):
            seq = np.asarray(dataset.sequences[int(index)], np.float32)[..., [0, 1, -1]]
            if n:
                gap = max(1, round(rng.uniform(*gap_s) * fps))
                w = (np.arange(1, gap + 1) / (gap + 1))[:, None, None]
                frames.append((1 - w) * frames[-1][-1:] + w * seq[:1])
                t += gap
            frames.append(seq)
            intervals.append(
                LabelInterval(
                    subject,
                    START_NS * 1e-9 + t / fps,
                    START_NS * 1e-9 + (t + len(seq)) / fps,
                    dataset.class_names[int(dataset.labels[index])],
                )
            )
            t += len(seq)
        tracks[subject] = np.concatenate(frames).astype(np.float32)
    length = max((len(v) for v in tracks.values()), default=0)
    out = []
    for i in range(length):
        people = [
            Person(
                keypoints=kp[i],
                layout=dataset.layout.name,
                score=1.0,
                bbox=_bbox(kp[i]),
                track_id=track,
            )
            for track, kp in tracks.items()
            if i < len(kp)
        ]
        out.append(SkeletonFrame(START_NS + round(i * 1e9 / fps), "camera", 640, 480, people))
    return LabelledStream(
        out,
        sorted(intervals, key=lambda iv: (iv.start, iv.track_id)),
        fps,
        {
            "source": dataset.meta.get("source", "clips"),
            "seed": seed,
            "layout": dataset.layout.name,
        },
    )


def known_classes_only(dataset: SequenceDataset, outside: tuple[int, ...]) -> SequenceDataset:
    """The clips of every class not in ``outside``, with the shorter class list."""
    keep = [c for c in range(len(dataset.class_names)) if c not in set(outside)]
    part = dataset.subset(np.isin(dataset.labels, keep))
    remap = {old: new for new, old in enumerate(keep)}
    return SequenceDataset(
        part.sequences,
        np.array([remap[int(v)] for v in part.labels]),
        [dataset.class_names[c] for c in keep],
        part.subjects,
        part.layout,
        part.channels,
        part.split,
        part.views,
        {**part.meta, "outside_classes": [dataset.class_names[c] for c in outside]},
    )
