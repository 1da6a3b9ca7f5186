"""One labelling session: the class list, the label file, and saving that never loses labels.

A save is refused (and the file left as it was) when the segments break the
label-file rules: unknown class, start not before end, one person with two
labels at once. A label file that cannot be read is never overwritten: the
session shows why and refuses to save until it is fixed by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..action.dataset import DatasetError
from ..action.labels import LabelInterval, label_problems, read_label_file, write_labels


def parse_classes(text: str) -> list[str]:
    """``a,b,c`` or a file with one class per line (``#`` comments)."""
    path = Path(text)
    if text and path.is_file():
        items = [ln.strip() for ln in path.read_text().splitlines()]
        items = [c for c in items if c and not c.startswith("#")]
    else:
        items = [c.strip() for c in text.split(",") if c.strip()]
    duplicates = sorted({c for c in items if items.count(c) > 1})
    if duplicates:
        raise DatasetError(f"classes listed twice: {duplicates}")
    if any("," in c for c in items):
        raise DatasetError("class names must not contain commas")
    return items


@dataclass
class LabelSession:
    labels_path: Path
    classes: list[str]
    intervals: list[LabelInterval] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    error: str = ""  # why the existing label file could not be read (saving refused)

    @classmethod
    def open(cls, labels_path: str | Path, classes: list[str] | None = None) -> LabelSession:
        labels_path = Path(labels_path)
        session = cls(labels_path, list(classes or []))
        if not labels_path.exists():
            if not session.classes:
                session.error = (
                    "no class list: give --classes a,b,c (or a file), or open a "
                    "labels.csv with a '# classes:' line"
                )
            return session
        try:
            loaded = read_label_file(labels_path)
        except DatasetError as exc:
            session.error = (
                f"{exc} (fix the file or choose another with --labels; it is left as it is)"
            )
            return session
        listed = [c.strip() for c in loaded.meta.get("classes", "").split(",") if c.strip()]
        known = session.classes or listed or sorted({iv.label for iv in loaded.intervals})
        unknown = sorted({iv.label for iv in loaded.intervals} - set(known))
        if unknown:
            session.error = (
                f"{labels_path}: labels {unknown} are not in the class list "
                f"{known}; add them to --classes (the file is left as it is)"
            )
            return session
        session.classes, session.intervals, session.meta = known, loaded.intervals, loaded.meta
        return session

    @property
    def position(self) -> float | None:
        try:
            position = float(self.meta["position"])
        except (KeyError, ValueError):
            return None
        return position if math.isfinite(position) else None

    def save(self, intervals: list[LabelInterval], position: float | None = None) -> list[str]:
        """Write the file; the problems that prevented it (empty when written)."""
        if self.error:
            return [f"not saved: {self.error}"]
        problems = label_problems(intervals, self.classes)
        if problems:
            return problems
        meta = {**self.meta, "classes": ",".join(self.classes)}
        if position is not None:
            meta["position"] = f"{position:.6f}"
        try:
            write_labels(self.labels_path, intervals, meta)
        except (OSError, DatasetError) as exc:
            return [f"cannot write {self.labels_path}: {exc}"]
        self.intervals, self.meta = list(intervals), meta
        return []


def intervals_from_json(items: list[dict]) -> list[LabelInterval]:
    """Segments as the page sends them; ValueError naming the bad one."""
    out = []
    for k, item in enumerate(items):
        try:
            track = item["track"]
            start, end = float(item["start"]), float(item["end"])
            if not (math.isfinite(start) and math.isfinite(end)):
                raise ValueError(f"times must be finite, got {start}, {end}")
            out.append(
                LabelInterval(
                    None if track in ("*", None) else int(track), start, end, str(item["label"])
                )
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise ValueError(f"segment {k + 1}: {exc!r} in {item}") from exc
    return out


def intervals_to_json(intervals: list[LabelInterval]) -> list[dict]:
    return [
        {
            "track": "*" if iv.track_id is None else iv.track_id,
            "start": iv.start,
            "end": iv.end,
            "label": iv.label,
        }
        for iv in intervals
    ]
