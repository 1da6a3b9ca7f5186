"""`bag:PATH` datasets: skeleton bags labelled by a labels.csv beside the bag's files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..action.dataset import DatasetError, SequenceDataset
from ..action.labels import LabelFile, read_label_file
from ..action.loaders import register_loader
from ..skeleton.conversions import convert
from ..skeleton.layouts import get_layout
from .io import read_bag


def read_tracks(
    path: str | Path, layout: str = "coco17"
) -> dict[int, list[tuple[float, np.ndarray]]]:
    """Per track id, (stamp in s, keypoints in ``layout``) from every SkeletonArray topic."""
    from rclpy.serialization import deserialize_message

    from har_msgs.msg import SkeletonArray

    from ..ros.skeleton_msgs import msg_to_frame

    tracks: dict[int, list[tuple[float, np.ndarray]]] = {}
    for message in read_bag(path):
        if message.msgtype != "har_msgs/msg/SkeletonArray":
            continue
        frame = msg_to_frame(deserialize_message(message.data, SkeletonArray))
        for person in frame.people:
            if person.track_id >= 0:
                tracks.setdefault(person.track_id, []).append(
                    (frame.stamp_ns * 1e-9, convert(person.keypoints, person.layout, layout))
                )
    return tracks


def label_classes(labels: LabelFile) -> list[str]:
    """The file's ``# classes:`` list (every label must be in it), else the labels used."""
    used = sorted({iv.label for iv in labels.intervals})
    listed = [c.strip() for c in labels.meta.get("classes", "").split(",") if c.strip()]
    unknown = sorted(set(used) - set(listed))
    if listed and unknown:
        raise DatasetError(f"labels {unknown} are not in the file's classes {listed}")
    return listed or used


def load_labelled_bag(path: str | Path, layout: str = "coco17") -> SequenceDataset:
    """One sequence per labelled interval and person, from every SkeletonArray topic.

    The subject is the labels file's ``# subject:`` (as `har collect` writes
    it), else the track id.
    """
    path = Path(path)
    labels_file = path / "labels.csv"
    if not labels_file.is_file():
        raise DatasetError(f"{path} has no labels.csv (track_id,start,end,label)")
    labels_meta = read_label_file(labels_file)
    intervals = labels_meta.intervals
    subject = labels_meta.meta.get("subject", "")
    if subject and not subject.isdigit():
        raise DatasetError(f"{labels_file}: subject must be a number, got {subject!r}")
    tracks = read_tracks(path, layout)
    class_names = label_classes(labels_meta)
    sequences, labels, subjects = [], [], []
    for iv in intervals:
        for track, samples in tracks.items():
            if iv.track_id is not None and iv.track_id != track:
                continue
            frames = [kp for t, kp in samples if iv.start <= t < iv.end]
            if len(frames) >= 2:
                sequences.append(np.stack(frames).astype(np.float32))
                labels.append(class_names.index(iv.label))
                subjects.append(int(subject) if subject else track)
    if not sequences:
        raise DatasetError(f"no labelled skeletons in {path}")
    return SequenceDataset(
        sequences, labels, class_names, subjects, get_layout(layout), meta={"source": f"bag:{path}"}
    )


register_loader("bag", load_labelled_bag)
