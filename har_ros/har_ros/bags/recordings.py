"""`bag:PATH[?OPTIONS]` datasets: skeleton or body-tracking bags, labelled by CSV or file name.

PATH is one rosbag2 directory or a folder of them (one clip each). A bag
with ``har_msgs/SkeletonArray`` topics gives 2D keypoints (as the pose node
published them); a bag of a camera's body tracking (``MarkerArray``, see
bags/body_tracking.py) gives 3D joints (x, y, z in metres, score) in
``k4abt32``. Labels come from ``labels.csv`` in each bag directory
(``track_id,start,end,label``; for body tracking the track id is the
tracker's body id, ``*`` everyone) or, with ``pattern=``, from the clip's
folder name: ``s{subject}_a{label}_*`` (``*`` any text) with ``classes=``
mapping the label's value to a class name (``1:waiting,2:opening_door``;
without it the value is the name). A pattern labels a clip's longest track.
Options: ``pattern``, ``classes``, ``layout`` (convert to it), ``topic``
(the MarkerArray topic when a bag has several).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..action.dataset import DatasetError, SequenceDataset
from ..action.labels import LabelFile, LabelInterval, read_label_file
from ..action.loaders import register_loader
from ..skeleton.conversions import convert
from ..skeleton.layouts import K4ABT32, LayoutError, get_layout
from .io import BagError, read_bag

OPTIONS = ("pattern", "classes", "layout", "topic")
Track = list[tuple[float, np.ndarray]]


def read_tracks(path: str | Path, layout: str = "coco17") -> dict[int, Track]:
    """Per track id, (stamp in s, keypoints in ``layout``) from every SkeletonArray topic."""
    from rclpy.serialization import deserialize_message

    from har_msgs.msg import SkeletonArray

    from ..ros.skeleton_msgs import msg_to_frame

    tracks: dict[int, Track] = {}
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


@dataclass(frozen=True)
class NamePattern:
    """A clip folder-name pattern: ``{field}`` captures, ``*`` any text, the rest literal."""

    text: str
    regex: re.Pattern

    @classmethod
    def parse(cls, text: str) -> NamePattern:
        parts = re.split(r"(\{\w+\}|\*)", text)
        if "{label}" not in parts:
            raise DatasetError(f"pattern {text!r} has no {{label}}")
        regex = "".join(
            f"(?P<{p[1:-1]}>.+?)" if p.startswith("{") else ".*" if p == "*" else re.escape(p)
            for p in parts
        )
        try:
            return cls(text, re.compile(f"^{regex}$"))
        except re.error as exc:
            raise DatasetError(f"pattern {text!r}: {exc}") from exc

    def fields(self, name: str) -> dict[str, str] | None:
        match = self.regex.match(name)
        return match.groupdict() if match else None


def _options(target: str) -> tuple[Path, dict[str, str]]:
    """PATH and its options: after the last ``?``, ``KEY=VALUE&...`` taken as written."""
    path, sep, query = target.rpartition("?")
    if not sep:
        return Path(target), {}
    options: dict[str, str] = {}
    for item in filter(None, query.split("&")):
        key, _, value = item.partition("=")
        if key in options:
            raise DatasetError(f"bag: option {key!r} given twice")
        options[key] = value
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise DatasetError(f"bag: unknown options {unknown}; known: {list(OPTIONS)}")
    return Path(path), options


def _class_map(text: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in filter(None, (i.strip() for i in text.split(","))):
        value, sep, name = item.partition(":")
        if not sep or not value or not name:
            raise DatasetError(f"classes= takes VALUE:NAME pairs, got {item!r}")
        if value in mapping:
            raise DatasetError(f"classes= names value {value!r} twice")
        mapping[value] = name
    if len(set(mapping.values())) != len(mapping):
        raise DatasetError(f"classes= gives one name to several values: {text!r}")
    return mapping


def bag_dirs(path: Path) -> list[Path]:
    """``path`` when it is a bag, else the bags directly inside it (one clip each)."""
    from .body_tracking import is_bag_dir

    if is_bag_dir(path):
        return [path]
    if not path.is_dir():
        raise DatasetError(f"bag: {path} does not exist")
    clips = sorted(p for p in path.iterdir() if is_bag_dir(p))
    if not clips:
        raise DatasetError(f"bag: {path} is no rosbag2 directory and holds none")
    return clips


def _clip_tracks(bag: Path, options: dict[str, str]) -> tuple[dict[int, Track], bool]:
    """(tracks, is 3D): body tracking in 3D, a skeleton bag as the pose node gave it."""
    from .body_tracking import body_tracks, has_body_tracking

    if has_body_tracking(bag):
        tracks = body_tracks(bag, options.get("topic"))
        layout = options.get("layout", K4ABT32.name)
        return {
            body: [(t, convert(kp, K4ABT32.name, layout)) for t, kp in samples]
            for body, samples in tracks.items()
        }, True
    return read_tracks(bag, options.get("layout", "coco17")), False


def _pattern_labels(
    bag: Path, pattern: NamePattern, classes: dict[str, str], tracks: dict[int, Track]
) -> tuple[list[LabelInterval], str]:
    fields = pattern.fields(bag.name)
    if fields is None:
        raise DatasetError(f"{bag.name!r} does not match pattern {pattern.text!r}")
    value = fields["label"]
    if classes and value not in classes:
        raise DatasetError(
            f"{bag.name!r}: label value {value!r} is not in classes= ({sorted(classes)})"
        )
    if not tracks:
        return [], fields.get("subject", "")
    longest = max(tracks, key=lambda k: len(tracks[k]))
    stamps = [t for t, _ in tracks[longest]]
    interval = LabelInterval(longest, stamps[0], stamps[-1] + 1e-6, classes.get(value, value))
    return [interval], fields.get("subject", "")


def load_labelled_bag(target: str | Path) -> SequenceDataset:
    """One sequence per labelled interval and person of every clip (see the module text).

    The subject is the pattern's ``{subject}``, else the labels file's
    ``# subject:`` (as `har collect` writes it), else the track id.
    """
    path, options = _options(str(target))
    pattern = NamePattern.parse(options["pattern"]) if "pattern" in options else None
    classes_map = _class_map(options.get("classes", ""))
    clips = bag_dirs(path)
    if pattern is not None:  # every clip must match before any is read
        unmatched = [c.name for c in clips if pattern.fields(c.name) is None]
        if unmatched:
            raise DatasetError(
                f"{len(unmatched)} of {len(clips)} clips do not match pattern "
                f"{pattern.text!r}: {unmatched[:5]}"
            )
    sequences, labels, subjects, class_names = [], [], [], list(classes_map.values())
    dims = set()
    for bag in clips:
        try:
            tracks, is_3d = _clip_tracks(bag, options)
        except (BagError, LayoutError) as exc:
            raise DatasetError(str(exc)) from exc
        dims.add(is_3d)
        if pattern is not None:
            intervals, subject = _pattern_labels(bag, pattern, classes_map, tracks)
        else:
            labels_file = bag / "labels.csv"
            if not labels_file.is_file():
                raise DatasetError(f"{bag} has no labels.csv (track_id,start,end,label)")
            labels_meta = read_label_file(labels_file)
            intervals, subject = labels_meta.intervals, labels_meta.meta.get("subject", "")
            class_names += [c for c in label_classes(labels_meta) if c not in class_names]
        if subject and not (subject.isascii() and subject.isdecimal()):
            raise DatasetError(f"{bag}: subject must be a number, got {subject!r}")
        for iv in intervals:
            if iv.label not in class_names:
                class_names.append(iv.label)
            for track, samples in tracks.items():
                if iv.track_id is not None and iv.track_id != track:
                    continue
                frames = [kp for t, kp in samples if iv.start <= t < iv.end]
                if len(frames) >= 2:
                    sequences.append(np.stack(frames).astype(np.float32))
                    labels.append(class_names.index(iv.label))
                    subjects.append(int(subject) if subject else track)
    if len(dims) > 1:
        raise DatasetError(f"{path}: some clips are body tracking (3D), others 2D skeletons")
    if not sequences:
        raise DatasetError(f"no labelled skeletons in {path}")
    is_3d = dims == {True}
    layout = options.get("layout", K4ABT32.name if is_3d else "coco17")
    return SequenceDataset(
        sequences,
        labels,
        class_names,
        subjects,
        get_layout(layout),
        ("x", "y", "z", "score") if is_3d else ("x", "y", "score"),
        meta={"source": f"bag:{target}"},
    )


register_loader("bag", load_labelled_bag)
