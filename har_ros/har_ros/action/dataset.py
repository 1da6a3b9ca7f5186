"""The on-disk dataset format (.npz) and its in-memory form.

One ``.npz`` file holds variable-length sequences ``(T, J, C)`` with C = x, y,
score (optionally x, y, z, score):

- ``data``: float32 ``(sum T, J, C)``, all sequences concatenated;
- ``offsets``: int64 ``(N + 1,)``, sequence i is ``data[offsets[i]:offsets[i+1]]``;
- ``labels``: int64 ``(N,)``; ``class_names``: str ``(K,)``;
- ``subjects``: int64 ``(N,)``; ``split``: optional str ``(N,)`` ("train", "val", "test");
- ``views``: optional str ``(N,)`` (camera viewpoint);
- ``layout``: JSON text, ``{"name": ...}`` for a known layout or a full custom
  layout ``{"name", "joints", "bones"}`` (the graph model builds its adjacency
  from it); ``channels``: JSON list of channel names.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..common.atomic import atomic_file
from ..skeleton.layouts import KNOWN_LAYOUTS, Layout, LayoutError, get_layout


class DatasetError(ValueError):
    """A dataset file or folder is missing, malformed or inconsistent."""


@dataclass
class SequenceDataset:
    sequences: list[np.ndarray]
    labels: np.ndarray
    class_names: list[str]
    subjects: np.ndarray
    layout: Layout
    channels: tuple[str, ...] = ("x", "y", "score")
    split: np.ndarray | None = None
    views: np.ndarray | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.sequences)
        self.labels = np.asarray(self.labels, dtype=np.int64)
        self.subjects = np.asarray(self.subjects, dtype=np.int64)
        if len(self.labels) != n or len(self.subjects) != n:
            raise DatasetError(
                f"{n} sequences but {len(self.labels)} labels and {len(self.subjects)} subjects"
            )
        for i, seq in enumerate(self.sequences):
            if (
                seq.ndim != 3
                or seq.shape[1] != self.layout.num_joints
                or seq.shape[2] != len(self.channels)
                or seq.shape[0] < 1
            ):
                raise DatasetError(
                    f"sequence {i} has shape {seq.shape}, expected (T>=1, "
                    f"{self.layout.num_joints}, {len(self.channels)})"
                )
        if n and (self.labels.min() < 0 or self.labels.max() >= len(self.class_names)):
            raise DatasetError("labels must index class_names")
        for name in ("split", "views"):
            value = getattr(self, name)
            if value is not None:
                value = np.asarray(value).astype(str)
                if len(value) != n:
                    raise DatasetError(f"{name} has {len(value)} entries for {n} sequences")
                setattr(self, name, value)

    def __len__(self) -> int:
        return len(self.sequences)

    def subset(self, mask: np.ndarray) -> SequenceDataset:
        idx = np.flatnonzero(mask)
        return SequenceDataset(
            [self.sequences[i] for i in idx],
            self.labels[idx],
            self.class_names,
            self.subjects[idx],
            self.layout,
            self.channels,
            None if self.split is None else self.split[idx],
            None if self.views is None else self.views[idx],
            dict(self.meta),
        )

    def with_classes(self, class_names: list[str]) -> SequenceDataset:
        """The same clips indexed by ``class_names`` (a checkpoint's), which must hold ours."""
        missing = [c for c in self.class_names if c not in class_names]
        if missing:
            raise DatasetError(f"classes {missing} are not among {list(class_names)}")
        index = np.array([list(class_names).index(c) for c in self.class_names], np.int64)
        return SequenceDataset(
            self.sequences,
            index[self.labels] if len(self) else self.labels,
            list(class_names),
            self.subjects,
            self.layout,
            self.channels,
            self.split,
            self.views,
            dict(self.meta),
        )

    def summary(self) -> dict:
        lengths = [len(s) for s in self.sequences]
        return {
            "sequences": len(self),
            "classes": len(self.class_names),
            "subjects": sorted(set(self.subjects.tolist())),
            "layout": self.layout.name,
            "frames_median": float(np.median(lengths)) if lengths else 0.0,
        }


def layout_to_json(layout: Layout) -> str:
    if KNOWN_LAYOUTS.get(layout.name) == layout:
        return json.dumps({"name": layout.name})
    return json.dumps(layout.to_dict())


def layout_from_json(text: str) -> Layout:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"layout is not valid JSON: {exc}") from exc
    if set(data) == {"name"}:
        return get_layout(data["name"])
    return Layout.from_dict(data)


def npz_path(path: str | Path) -> Path:
    """The file ``save_npz(path)`` writes: numpy's savez adds ``.npz`` to a name without it."""
    path = Path(path)
    return path if path.name.endswith(".npz") else path.with_name(path.name + ".npz")


def save_npz(dataset: SequenceDataset, path: str | Path) -> Path:
    """Write atomically (a crash never leaves half a dataset); the path written."""
    lengths = [len(s) for s in dataset.sequences]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    arrays = {
        "data": (
            np.concatenate(dataset.sequences).astype(np.float32)
            if lengths
            else np.zeros((0, dataset.layout.num_joints, len(dataset.channels)), np.float32)
        ),
        "offsets": offsets,
        "labels": dataset.labels,
        "subjects": dataset.subjects,
        "class_names": np.asarray(dataset.class_names, dtype=str),
        "layout": np.asarray(layout_to_json(dataset.layout)),
        "channels": np.asarray(json.dumps(list(dataset.channels))),
        "meta": np.asarray(json.dumps(dataset.meta)),
    }
    if dataset.split is not None:
        arrays["split"] = dataset.split
    if dataset.views is not None:
        arrays["views"] = dataset.views
    path = npz_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, binary=True) as out:  # a file object: savez adds no suffix
        np.savez_compressed(out, **arrays)
    return path


def load_npz(path: str | Path) -> SequenceDataset:
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"dataset file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as f:
            data, offsets = f["data"], f["offsets"]
            if offsets[0] != 0 or offsets[-1] != len(data) or np.any(np.diff(offsets) < 1):
                raise DatasetError(f"{path}: offsets do not partition data")
            return SequenceDataset(
                [data[a:b] for a, b in itertools.pairwise(offsets)],
                f["labels"],
                [str(c) for c in f["class_names"]],
                f["subjects"],
                layout_from_json(str(f["layout"])),
                tuple(json.loads(str(f["channels"]))),
                f.get("split", None),
                f.get("views", None),
                json.loads(str(f["meta"])) if "meta" in f else {},
            )
    except (KeyError, ValueError, OSError, LayoutError) as exc:
        if isinstance(exc, DatasetError):
            raise
        raise DatasetError(f"{path} is not a har_ros dataset: {exc}") from exc
