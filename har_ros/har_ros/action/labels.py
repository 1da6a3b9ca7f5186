"""Label files for the system's own recordings: time intervals of actions per person.

CSV with a header line ``track_id,start,end,label``: stamps in seconds (the
skeleton messages' header stamps), ``track_id`` the pose node's id (or ``*``
for everyone in view). Lines starting with ``#`` are comments. Intervals of
one person must not overlap.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .dataset import DatasetError

HEADER = ["track_id", "start", "end", "label"]


@dataclass(frozen=True)
class LabelInterval:
    track_id: int | None  # None = every person
    start: float
    end: float
    label: str


def read_labels(path: str | Path) -> list[LabelInterval]:
    path = Path(path)
    try:
        lines = [ln for ln in path.read_text().splitlines() if ln.strip() and
                 not ln.lstrip().startswith("#")]
    except OSError as exc:
        raise DatasetError(f"cannot read label file {path}: {exc}") from exc
    rows = list(csv.reader(lines))
    if not rows or [c.strip() for c in rows[0]] != HEADER:
        raise DatasetError(f"{path}: first line must be {','.join(HEADER)}")
    intervals = []
    for number, row in enumerate(rows[1:], start=2):
        try:
            track, start, end, label = (c.strip() for c in row)
            interval = LabelInterval(None if track == "*" else int(track), float(start),
                                     float(end), label)
        except ValueError as exc:
            raise DatasetError(f"{path}:{number}: {exc} in {row}") from exc
        if not interval.end > interval.start or not interval.label:
            raise DatasetError(f"{path}:{number}: need start < end and a label")
        intervals.append(interval)
    by_track: dict = {}
    for iv in sorted(intervals, key=lambda i: i.start):
        previous = by_track.get(iv.track_id)
        if previous is not None and iv.start < previous.end:
            raise DatasetError(f"{path}: intervals of track {iv.track_id} overlap at {iv.start}")
        by_track[iv.track_id] = iv
    return intervals


def write_labels(path: str | Path, intervals: list[LabelInterval]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for iv in intervals:
            writer.writerow(["*" if iv.track_id is None else iv.track_id, f"{iv.start:.6f}",
                             f"{iv.end:.6f}", iv.label])


def label_at(intervals: list[LabelInterval], track_id: int, t: float) -> str | None:
    for iv in intervals:
        if (iv.track_id is None or iv.track_id == track_id) and iv.start <= t < iv.end:
            return iv.label
    return None
