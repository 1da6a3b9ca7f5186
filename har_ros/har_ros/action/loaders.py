"""Dataset sources behind ``--data SPEC``: npz, utd_mhad, openpose, bag and pyskl."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..skeleton.layouts import OPENPOSE18, UTD_KINECT20
from .dataset import DatasetError, SequenceDataset, load_npz

UTD_CLASSES = (
    "right arm swipe to the left",
    "right arm swipe to the right",
    "right hand wave",
    "two hand front clap",
    "right arm throw",
    "cross arms in the chest",
    "basketball shoot",
    "right hand draw x",
    "right hand draw circle (clockwise)",
    "right hand draw circle (counter clockwise)",
    "draw triangle",
    "bowling (right hand)",
    "front boxing",
    "baseball swing from right",
    "tennis right hand forehand swing",
    "arm curl (two arms)",
    "tennis serve",
    "two hand push",
    "right hand knock on door",
    "right hand catch an object",
    "right hand pick up and throw",
    "jogging in place",
    "walking in place",
    "sit to stand",
    "stand to sit",
    "forward lunge (left foot forward)",
    "squat (two arms stretch out)",
)
UTD_TRAIN_SUBJECTS = (1, 3, 5, 7)
_UTD_NAME = re.compile(r"a(\d+)_s(\d+)_t(\d+)_skeleton\.mat$")


def load_utd_mhad(folder: str | Path, use_z: bool = False) -> SequenceDataset:
    """UTD-MHAD skeletons; x, y (and z) in metres, score 1; cross-subject split."""
    from scipy.io import loadmat

    folder = Path(folder)
    files = sorted(folder.glob("*_skeleton.mat")) or sorted(folder.glob("skeleton/*_skeleton.mat"))
    if not files:
        raise DatasetError(f"no a*_s*_t*_skeleton.mat files in {folder}")
    sequences, labels, subjects, split = [], [], [], []
    for path in files:
        match = _UTD_NAME.search(path.name)
        if not match:
            continue
        action, subject, _ = (int(g) for g in match.groups())
        skel = loadmat(path)["d_skel"]  # (20, 3, T)
        if skel.shape[:2] != (20, 3):
            raise DatasetError(f"{path}: d_skel has shape {skel.shape}, expected (20, 3, T)")
        coords = skel.transpose(2, 0, 1)[:, :, : (3 if use_z else 2)]
        score = np.ones((*coords.shape[:2], 1))
        sequences.append(np.concatenate([coords, score], axis=2).astype(np.float32))
        labels.append(action - 1)
        subjects.append(subject)
        split.append("train" if subject in UTD_TRAIN_SUBJECTS else "test")
    channels = ("x", "y", "z", "score") if use_z else ("x", "y", "score")
    return SequenceDataset(
        sequences,
        labels,
        list(UTD_CLASSES),
        subjects,
        UTD_KINECT20,
        channels,
        np.asarray(split),
        meta={"source": "utd_mhad"},
    )


def load_openpose(folder: str | Path) -> SequenceDataset:
    """OpenPose JSON folders: DIR/<class>/<video>/*_keypoints.json, first person per frame.

    BODY_25 is mapped to OpenPose-18 (mid-hip and feet dropped); 18-joint
    (COCO-18) output is used as is. The subject id is taken from
    an ``sNN`` in the video folder name when present, else 0.
    """
    folder = Path(folder)
    class_dirs = sorted(d for d in folder.iterdir() if d.is_dir()) if folder.is_dir() else []
    if not class_dirs:
        raise DatasetError(f"expected class folders in {folder}")
    sequences, labels, subjects = [], [], []
    for label, class_dir in enumerate(class_dirs):
        for video in sorted(d for d in class_dir.iterdir() if d.is_dir()):
            frames = []
            for frame_file in sorted(video.glob("*.json")):
                try:
                    people = json.loads(frame_file.read_text()).get("people", [])
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"{frame_file}: {exc}") from exc
                kp = np.zeros((18, 3), np.float32)
                if people:
                    flat = np.asarray(people[0]["pose_keypoints_2d"], np.float32).reshape(-1, 3)
                    if len(flat) not in (18, 25):
                        raise DatasetError(f"{frame_file}: {len(flat)} joints, expected 18/25")
                    kp = flat[:18] if len(flat) == 18 else _body25_to_openpose18(flat)
                frames.append(kp)
            if frames:
                sequences.append(np.stack(frames))
                labels.append(label)
                found = re.search(r"s(\d+)", video.name)
                subjects.append(int(found.group(1)) if found else 0)
    return SequenceDataset(
        sequences,
        labels,
        [d.name for d in class_dirs],
        subjects,
        OPENPOSE18,
        meta={"source": "openpose"},
    )


# BODY_25 index of each OpenPose-18 joint (BODY_25 adds mid-hip 8 and feet).
_BODY25_TO_18 = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]


def _body25_to_openpose18(kp: np.ndarray) -> np.ndarray:
    return kp[_BODY25_TO_18]


def select_views(dataset: SequenceDataset, views: str) -> SequenceDataset:
    """Rows of the comma-separated ``views`` (all rows when empty)."""
    wanted = [v for v in views.split(",") if v]
    if not wanted:
        return dataset
    if dataset.views is None:
        raise DatasetError("this dataset has no views column to select from")
    return dataset.subset(np.isin(dataset.views, wanted))


#: Dataset kinds that live with their own code, kind -> loader of the path after ``kind:``.
#: ``bag`` is added by har_ros.bags.recordings, which imports this module (not the reverse).
_REGISTERED: dict[str, Callable[[str], SequenceDataset]] = {}


def register_loader(kind: str, loader: Callable[[str], SequenceDataset]) -> None:
    """Make ``load_spec("KIND:PATH")`` call ``loader(PATH)``."""
    _REGISTERED[kind] = loader


def load_spec(spec: str) -> SequenceDataset:
    """A dataset from ``npz:PATH``, ``utd_mhad:DIR``, ``openpose:DIR``, ``bag:PATH`` or more.

    ``utd_mhad3d:DIR``: UTD-MHAD with the Kinect's depth (x, y, z), for a 3D model.

    ``pyskl:FILE.pkl[:SPLIT[:all]]``: ``all`` = every person of a clip, else the main one.
    """
    kind, _, target = spec.partition(":")
    if not target:
        raise DatasetError(
            f"--data must be KIND:PATH (npz, utd_mhad, utd_mhad3d, openpose, bag, pyskl), "
            f"got {spec!r}"
        )
    if kind == "npz":
        return load_npz(target)
    if kind == "utd_mhad":
        return load_utd_mhad(target)
    if kind == "utd_mhad3d":
        return load_utd_mhad(target, use_z=True)
    if kind == "openpose":
        return load_openpose(target)
    if kind in _REGISTERED:
        return _REGISTERED[kind](target)
    if kind == "bag":
        raise DatasetError(
            "bag: datasets need har_ros.bags.recordings imported (it registers the kind)"
        )
    if kind == "pyskl":
        from .pyskl import load_pyskl

        stem, suffix, rest = target.partition(".pkl")
        split, _, person = rest.removeprefix(":").partition(":")
        return load_pyskl(stem + suffix, split, person or "main")
    raise DatasetError(
        f"unknown data kind {kind!r} in {spec!r}; use npz, utd_mhad, utd_mhad3d, openpose, bag "
        "or pyskl"
    )
