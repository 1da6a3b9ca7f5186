"""`bag:PATH` datasets: skeleton bags labelled by a labels.csv beside the bag's files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..action.dataset import DatasetError, SequenceDataset
from ..action.labels import read_labels
from ..skeleton.conversions import convert
from ..skeleton.layouts import get_layout
from .io import read_bag


def load_labelled_bag(path: str | Path, layout: str = "coco17") -> SequenceDataset:
    """One sequence per labelled interval and person, from every SkeletonArray topic."""
    from rclpy.serialization import deserialize_message

    from har_msgs.msg import SkeletonArray

    from ..ros.skeleton_msgs import msg_to_frame

    path = Path(path)
    labels_file = path / "labels.csv"
    if not labels_file.is_file():
        raise DatasetError(f"{path} has no labels.csv (track_id,start,end,label)")
    intervals = read_labels(labels_file)
    tracks: dict[int, list[tuple[float, np.ndarray]]] = {}
    for message in read_bag(path):
        if message.msgtype != "har_msgs/msg/SkeletonArray":
            continue
        frame = msg_to_frame(deserialize_message(message.data, SkeletonArray))
        for person in frame.people:
            if person.track_id >= 0:
                tracks.setdefault(person.track_id, []).append(
                    (frame.stamp_ns * 1e-9, convert(person.keypoints, person.layout, layout)))
    class_names = sorted({iv.label for iv in intervals})
    sequences, labels, subjects = [], [], []
    for iv in intervals:
        for track, samples in tracks.items():
            if iv.track_id is not None and iv.track_id != track:
                continue
            frames = [kp for t, kp in samples if iv.start <= t < iv.end]
            if len(frames) >= 2:
                sequences.append(np.stack(frames).astype(np.float32))
                labels.append(class_names.index(iv.label))
                subjects.append(track)
    if not sequences:
        raise DatasetError(f"no labelled skeletons in {path}")
    return SequenceDataset(sequences, labels, class_names, subjects, get_layout(layout),
                           meta={"source": f"bag:{path}"})
