"""pyskl / mmaction2 2D skeleton pickles (e.g. the UCF101 and NTU 2D skeletons) as a dataset.

The file is a dict ``{"split": {name: [frame_dir, ...]}, "annotations": [...]}``;
each annotation holds ``frame_dir``, ``label`` (int), ``total_frames``,
``img_shape`` (h, w), ``keypoint`` (M, T, V, 2) and ``keypoint_score``
(M, T, V) for M people. V = 17 is COCO-17 (pyskl's HRNet output), 18
OpenPose-18; other joint counts need their layout. ``person="main"`` keeps,
per clip, the person with the highest summed keypoint score; ``"all"``
makes one sequence per person. ``--data pyskl:FILE.pkl[:SPLIT]``: with a
split name (``train1``, ``xsub_train``) its clips become the "train" rows
and the split of the same name with ``train`` replaced by ``test`` (or
``val``) the "test" rows; without, every clip and no split column.

Pickles can run code when loaded; this reader only lets numpy arrays and
plain Python values through (a pickle that asks for anything else is refused).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from ..skeleton.layouts import COCO17, OPENPOSE18, Layout
from .dataset import DatasetError, SequenceDataset

LAYOUTS_BY_JOINTS = {17: COCO17, 18: OPENPOSE18}
_ALLOWED = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("builtins", "slice"),
    ("collections", "OrderedDict"),
}


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing {module}.{name}: a skeleton pickle holds only arrays and plain values"
        )


def read_pickle(path: str | Path) -> dict:
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = _ArraysOnly(handle).load()
    except FileNotFoundError as exc:
        raise DatasetError(f"pyskl pickle not found: {path}") from exc
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise DatasetError(f"{path} is not a pyskl skeleton pickle: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise DatasetError(f"{path}: expected a dict with 'annotations' (and 'split')")
    return data


#: Most numbers one array of a clip may hold (5 people x 300 frames x 17 joints x 2 is 51,000).
MAX_ELEMENTS = 10_000_000


def _bounded_array(value, ndim: int, what: str, where: str) -> np.ndarray:
    """``value`` as a float32 array of ``ndim`` dimensions, measured before it is expanded.

    A pickle can nest one list in itself by reference, so a few hundred bytes
    may stand for millions of numbers: lists are walked first, refusing any
    nesting deeper than ``ndim`` and more than MAX_ELEMENTS numbers.
    """
    if isinstance(value, np.ndarray):  # its own bytes: as large as the file, no larger
        size, depth = value.size, ndim
    else:
        size, depth, level = 0, 0, [value]
        while level and isinstance(level[0], (list, tuple)):
            depth += 1
            if depth > ndim:
                break
            size = sum(len(items) if isinstance(items, (list, tuple)) else 1 for items in level)
            if size > MAX_ELEMENTS:  # counted before the next level is built
                break
            level = [item for items in level if isinstance(items, (list, tuple)) for item in items]
    if depth != ndim and size <= MAX_ELEMENTS:
        raise DatasetError(f"{where}: {what} must have {ndim} dimensions")
    if size > MAX_ELEMENTS:
        raise DatasetError(f"{where}: {what} holds more than {MAX_ELEMENTS:,} numbers")
    try:
        return np.asarray(value, np.float32)
    except (ValueError, TypeError) as exc:
        raise DatasetError(f"{where}: {what}: {exc}") from exc


def _person_sequences(annotation: dict, person: str, where: str) -> list[np.ndarray]:
    if "keypoint" not in annotation:
        raise DatasetError(f"{where}: no 'keypoint'")
    keypoint = _bounded_array(annotation["keypoint"], 4, "keypoint", where)
    score = (
        _bounded_array(annotation["keypoint_score"], 3, "keypoint_score", where)
        if "keypoint_score" in annotation
        else np.ones(keypoint.shape[:3], np.float32)
    )
    if keypoint.ndim != 4 or keypoint.shape[-1] != 2 or score.shape != keypoint.shape[:3]:
        raise DatasetError(
            f"{where}: keypoint {keypoint.shape} / keypoint_score "
            f"{score.shape}; expected (M, T, V, 2) / (M, T, V)"
        )
    people = np.concatenate([keypoint, score[..., None]], axis=-1)  # (M, T, V, 3)
    people[~np.isfinite(people).all(axis=-1)] = 0.0
    if person == "main":
        return [people[int(np.argmax(score.sum(axis=(1, 2))))]] if len(people) else []
    return [p for p in people if p[..., 2].sum() > 0]


def load_pyskl(
    path: str | Path,
    split: str = "",
    person: str = "main",
    class_names: list[str] | None = None,
    layout: Layout | None = None,
) -> SequenceDataset:
    if person not in ("main", "all"):
        raise DatasetError(f"person must be 'main' or 'all', got {person!r}")
    data = read_pickle(path)
    splits = data.get("split") or {}
    rows: dict[str, str] = {}
    if split:
        if split not in splits:
            raise DatasetError(f"{path}: no split {split!r}; splits: {sorted(splits)}")
        test_name = next(
            (
                n
                for n in (split.replace("train", "test"), split.replace("train", "val"))
                if n in splits and n != split
            ),
            None,
        )
        rows.update({str(d): "test" for d in splits.get(test_name, [])})
        rows.update({str(d): "train" for d in splits[split]})
    sequences, labels, subjects, split_column = [], [], [], []
    for k, annotation in enumerate(data["annotations"]):
        if not isinstance(annotation, dict):
            raise DatasetError(
                f"{path}: annotation {k} is a {type(annotation).__name__}, not a dict"
            )
        frame_dir = str(annotation.get("frame_dir", k))
        if split and frame_dir not in rows:
            continue
        where = f"{path}: annotation {frame_dir}"
        try:
            label = int(annotation["label"])
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{where}: no integer label ({exc})") from exc
        for sequence in _person_sequences(annotation, person, where):
            sequences.append(sequence)
            labels.append(label)
            subjects.append(k)
            split_column.append(rows.get(frame_dir, ""))
    if not sequences:
        raise DatasetError(
            f"{path}: no skeleton sequence" + (f" in split {split!r}" if split else "")
        )
    joints = sequences[0].shape[1]
    layout = layout or LAYOUTS_BY_JOINTS.get(joints)
    if layout is None or layout.num_joints != joints:
        raise DatasetError(
            f"{path}: {joints} joints per person; known layouts have "
            f"{sorted(LAYOUTS_BY_JOINTS)} (give the layout for others)"
        )
    count = max(labels) + 1
    names = (
        class_names
        or [str(n) for n in data.get("label_names", [])]
        or [f"class_{i}" for i in range(count)]
    )
    if len(names) < count:
        raise DatasetError(
            f"{path}: labels go up to {count - 1} but {len(names)} class names were given"
        )
    return SequenceDataset(
        sequences,
        labels,
        list(names),
        subjects,
        layout,
        split=np.asarray(split_column) if split else None,
        meta={"source": f"pyskl:{path}", "person": person},
    )
