"""Labelled videos -> the project's dataset: one clip per labelled person and segment.

Two layouts of a video folder, as a cell integrator has them:

- ``DIR/<class>/<clip>.mp4``: each video is one clip of its folder's class;
  the main person (most present and largest) is taken, or every tracked
  person with ``person="all"``.
- videos with a ``<video>.labels.csv`` beside them (as `har label VIDEO`
  writes it): one clip per interval; a track id picks that person, ``*`` the
  main person in the interval (or everyone with ``person="all"``).

Subjects come from a ``# subject:`` line of the labels or an ``sNN`` in the
file name (else 0); views from ``# view:`` or a ``camNN`` in the name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..pose.video_tracks import VideoTracks, main_track, track_sequence
from ..skeleton.layouts import get_layout
from .dataset import DatasetError, SequenceDataset
from .labels import read_label_file

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm")
PERSON_CHOICES = ("main", "all")


@dataclass(frozen=True)
class Segment:
    label: str
    track_id: int | None = None  # None: the main person (or all)
    start: float = -np.inf
    end: float = np.inf


@dataclass
class VideoJob:
    video: Path
    segments: list[Segment]
    subject: int = 0
    view: str = ""


@dataclass
class Extraction:
    dataset: SequenceDataset | None
    skipped: dict[str, str] = field(default_factory=dict)  # video -> why


def labels_file_of(video: Path) -> Path:
    return video.with_name(f"{video.name}.labels.csv")


def find_jobs(root: str | Path) -> tuple[list[VideoJob], list[str]]:
    """The videos under ``root`` with what to cut from each, and the class names."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"video folder not found: {root}")
    videos = sorted(
        Path(folder) / name
        for folder, _, names in os.walk(root, followlinks=True)
        for name in names
        if Path(name).suffix.lower() in VIDEO_SUFFIXES
    )
    if not videos:
        raise DatasetError(f"no videos ({', '.join(VIDEO_SUFFIXES)}) under {root}")
    jobs, classes = [], []
    for video in videos:
        labels = labels_file_of(video)
        name = str(video.relative_to(root))
        if labels.is_file():
            loaded = read_label_file(labels)
            segments = [Segment(iv.label, iv.track_id, iv.start, iv.end) for iv in loaded.intervals]
            subject = loaded.meta.get("subject", "") or _number(r"s(\d+)", name)
            view = loaded.meta.get("view", "") or _match(r"cam\d+", name)
        elif video.parent != root:
            segments = [Segment(video.parent.name)]
            subject, view = _number(r"s(\d+)", video.stem), _match(r"cam\d+", video.stem)
        else:
            raise DatasetError(
                f"{video}: neither in a class folder nor with "
                f"{labels_file_of(video).name} beside it"
            )
        jobs.append(VideoJob(video, segments, int(subject or 0), view))
        classes.extend(s.label for s in segments if s.label not in classes)
    return jobs, classes


def _number(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    return found.group(1) if found else ""


def _match(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    return found.group(0) if found else ""


def clips_of(
    job: VideoJob, tracks: VideoTracks, person: str = "main", min_frames: int = 8
) -> list[tuple[str, np.ndarray]]:
    """(label, (T, J, 3)) for every segment of a job that has a person in it."""
    clips = []
    for segment in job.segments:
        if segment.track_id is not None:
            chosen = [segment.track_id]
        elif person == "all":
            chosen = tracks.track_ids()
        else:
            main = main_track(tracks, segment.start, segment.end)
            chosen = [] if main is None else [main]
        for track in chosen:
            sequence = _trimmed(track_sequence(tracks, track, segment.start, segment.end))
            if len(sequence) >= min_frames:
                clips.append((segment.label, sequence))
    return clips


def _trimmed(sequence: np.ndarray) -> np.ndarray:
    seen = np.flatnonzero(np.any(sequence[..., 2] > 0, axis=1))
    return sequence[seen[0] : seen[-1] + 1] if len(seen) else sequence[:0]


def extract(
    jobs: list[VideoJob],
    classes: list[str],
    track: Callable[[Path], VideoTracks],
    person: str = "main",
    min_frames: int = 8,
    test_subjects: tuple[int, ...] = (),
) -> Extraction:
    """Run ``track`` on every video and cut the clips; a video that yields none is skipped."""
    if person not in PERSON_CHOICES:
        raise ValueError(f"person must be one of {PERSON_CHOICES}, got {person!r}")
    sequences, labels, subjects, views, sources = [], [], [], [], []
    skipped: dict[str, str] = {}
    layout = "coco17"
    for job in jobs:
        try:
            tracks = track(job.video)
        except ValueError as exc:
            skipped[str(job.video)] = str(exc)
            continue
        layout = tracks.layout
        clips = clips_of(job, tracks, person, min_frames)
        if not clips:
            skipped[str(job.video)] = (
                "no person found"
                if not tracks.track_ids()
                else f"no labelled person seen for {min_frames}+ frames"
            )
            continue
        for label, sequence in clips:
            sequences.append(sequence)
            labels.append(classes.index(label))
            subjects.append(job.subject)
            views.append(job.view)
            sources.append(str(job.video))
    if not sequences:
        return Extraction(None, skipped)
    used = [c for i, c in enumerate(classes) if i in set(labels)]
    for name in classes:
        if name not in used:
            skipped.setdefault(f"class {name!r}", "no clip extracted; left out of the classes")
    labels = [used.index(classes[i]) for i in labels]
    split = None
    if test_subjects:
        split = np.where(np.isin(subjects, test_subjects), "test", "train")
    dataset = SequenceDataset(
        sequences,
        labels,
        used,
        subjects,
        get_layout(layout),
        split=split,
        views=views if any(views) else None,
        meta={"source": "har extract", "videos": sources},
    )
    return Extraction(dataset, skipped)
