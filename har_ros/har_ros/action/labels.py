"""Label files for the system's own recordings: time intervals of actions per person.

CSV with a header line ``track_id,start,end,label``: stamps in seconds (the
skeleton messages' header stamps, or seconds into a video), ``track_id`` the
pose node's id (or ``*`` for everyone in view). Lines starting with ``#`` are
comments; ``# key: value`` comments before the header carry metadata
(``subject``, ``view``, ``position`` where `har label` stopped, ``classes``).
One person's intervals must not overlap, nor overlap an interval of ``*``:
every frame has at most one label per person.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from ..common.atomic import atomic_write_text
from .dataset import DatasetError

HEADER = ["track_id", "start", "end", "label"]


@dataclass(frozen=True)
class LabelInterval:
    track_id: int | None  # None = every person
    start: float
    end: float
    label: str


@dataclass
class LabelFile:
    intervals: list[LabelInterval]
    meta: dict[str, str] = field(default_factory=dict)


def label_problems(intervals: list[LabelInterval], classes: list[str] | None = None) -> list[str]:
    """Why these intervals cannot be a label file (empty when they can)."""
    problems = []
    for iv in intervals:
        if not (math.isfinite(iv.start) and math.isfinite(iv.end)):
            problems.append(f"{_who(iv.track_id)} {iv.start}-{iv.end}: times must be finite")
            continue
        if not iv.end > iv.start:
            problems.append(
                f"{_who(iv.track_id)} {iv.start:.3f}-{iv.end:.3f}: start must be before end"
            )
        if not iv.label:
            problems.append(f"{_who(iv.track_id)} {iv.start:.3f}: no label")
        elif classes is not None and iv.label not in classes:
            problems.append(
                f"{_who(iv.track_id)} {iv.start:.3f}: unknown class {iv.label!r} "
                f"(classes: {', '.join(classes)})"
            )
    for a, b in overlaps(
        [iv for iv in intervals if math.isfinite(iv.start) and math.isfinite(iv.end)]
    ):
        problems.append(
            f"{_who(a.track_id)} {a.start:.3f}-{a.end:.3f} ({a.label}) overlaps "
            f"{_who(b.track_id)} {b.start:.3f}-{b.end:.3f} ({b.label})"
        )
    return problems


def overlaps(intervals: list[LabelInterval]) -> list[tuple[LabelInterval, LabelInterval]]:
    """Pairs that would give one person two labels at once (same track, or a track and ``*``).

    One sweep in start order (O(n log n)): each interval is paired with the
    furthest-reaching earlier one it collides with, so every overlap is named
    once without listing all n^2 pairs of a pile of overlapping intervals.
    """
    reach: dict[int | None, LabelInterval] = {}  # per track (None = *): furthest end so far
    furthest: LabelInterval | None = None  # of any track: what a new * collides with
    pairs = []
    for b in sorted(intervals, key=lambda i: (i.start, i.end)):
        rivals = [furthest] if b.track_id is None else [reach.get(b.track_id), reach.get(None)]
        hits = [a for a in rivals if a is not None and b.start < a.end]
        if hits:
            pairs.append((max(hits, key=lambda a: a.end), b))
        if b.track_id not in reach or b.end > reach[b.track_id].end:
            reach[b.track_id] = b
        if furthest is None or b.end > furthest.end:
            furthest = b
    return pairs


def _who(track_id: int | None) -> str:
    return "everyone (*)" if track_id is None else f"track {track_id}"


def parse_labels(text: str, source: str = "labels", classes: list[str] | None = None) -> LabelFile:
    meta: dict[str, str] = {}
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            key, sep, value = stripped.lstrip("#").partition(":")
            if sep and not lines and key.strip().isidentifier():
                meta[key.strip()] = value.strip()
        elif stripped:
            lines.append(stripped)
    rows = list(csv.reader(lines))
    if not rows or [c.strip() for c in rows[0]] != HEADER:
        raise DatasetError(f"{source}: first line must be {','.join(HEADER)}")
    intervals = []
    for number, row in enumerate(rows[1:], start=2):
        try:
            track, start, end, label = (c.strip() for c in row)
            intervals.append(
                LabelInterval(None if track == "*" else int(track), float(start), float(end), label)
            )
        except ValueError as exc:
            raise DatasetError(f"{source}: row {number}: {exc} in {row}") from exc
    problems = label_problems(intervals, classes)
    if problems:
        raise DatasetError(f"{source}: " + "; ".join(problems))
    return LabelFile(intervals, meta)


def read_label_file(path: str | Path, classes: list[str] | None = None) -> LabelFile:
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read label file {path}: {exc}") from exc
    return parse_labels(text, str(path), classes)


def read_labels(path: str | Path) -> list[LabelInterval]:
    return read_label_file(path).intervals


def format_labels(intervals: list[LabelInterval], meta: dict[str, str] | None = None) -> str:
    out = io.StringIO()
    for key, value in (meta or {}).items():
        out.write(f"# {key}: {value}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for iv in sorted(intervals, key=lambda i: (i.start, -1 if i.track_id is None else i.track_id)):
        writer.writerow(
            [
                "*" if iv.track_id is None else iv.track_id,
                f"{iv.start:.6f}",
                f"{iv.end:.6f}",
                iv.label,
            ]
        )
    return out.getvalue()


def write_labels(
    path: str | Path, intervals: list[LabelInterval], meta: dict[str, str] | None = None
) -> None:
    """Write atomically: a crash or a refused save never leaves half a file."""
    problems = label_problems(intervals)
    if problems:
        raise DatasetError("; ".join(problems))
    atomic_write_text(path, format_labels(intervals, meta))


def label_at(intervals: list[LabelInterval], track_id: int, t: float) -> str | None:
    for iv in intervals:
        if (iv.track_id is None or iv.track_id == track_id) and iv.start <= t < iv.end:
            return iv.label
    return None
