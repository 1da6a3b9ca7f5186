"""Conversions between skeleton layouts, all in one place.

A conversion maps every target joint to one or more source joints: one source
is copied, several are averaged (e.g. OpenPose's neck = mean of the shoulders)
with the lowest of their scores. A target joint whose sources are missing
(score 0) is missing too: (0, 0, 0), as OpenPose writes it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .layouts import (
    BLAZEPOSE33,
    COCO17,
    K4ABT32,
    KNOWN_LAYOUTS,
    NTU25,
    OPENPOSE18,
    UTD_KINECT20,
    Layout,
    LayoutError,
)

# target joint -> source joint indices (empty tuple: no source, always missing)
JointMap = tuple[tuple[int, ...], ...]


def joint_map(
    source: Layout,
    target_joints: tuple[str, ...],
    synth: Mapping[str, tuple[str, ...]] | None = None,
) -> JointMap:
    """Each target joint's source joints, by name; ``synth`` names stand-ins."""
    synth = synth or {}
    mapping = []
    for joint in target_joints:
        names = synth.get(joint, (joint,))
        mapping.append(tuple(i for n in names for i in source.find(n)))
    return tuple(mapping)


def _by_name(
    source: Layout, target: Layout, synth: Mapping[str, tuple[str, ...]] | None = None
) -> JointMap:
    return joint_map(source, target.joints, synth)


_NECK = {"neck": ("left_shoulder", "right_shoulder")}

CONVERSIONS: dict[tuple[str, str], JointMap] = {
    ("coco17", "openpose18"): _by_name(COCO17, OPENPOSE18, _NECK),
    ("openpose18", "coco17"): _by_name(OPENPOSE18, COCO17),
    ("blazepose33", "coco17"): _by_name(BLAZEPOSE33, COCO17),
    ("blazepose33", "openpose18"): _by_name(BLAZEPOSE33, OPENPOSE18, _NECK),
    # Kinect has no face joints: the head stands in for the nose, eyes/ears are missing.
    ("utd_kinect20", "coco17"): _by_name(UTD_KINECT20, COCO17, {"nose": ("head",)}),
    ("ntu25", "coco17"): _by_name(NTU25, COCO17, {"nose": ("head",)}),
    # The body tracker has every COCO joint, face included.
    ("k4abt32", "coco17"): _by_name(K4ABT32, COCO17),
    ("k4abt32", "openpose18"): _by_name(K4ABT32, OPENPOSE18),
}


def can_convert(source: str, target: str) -> bool:
    return source == target or (source, target) in CONVERSIONS


def convert(keypoints: np.ndarray, source: str, target: str) -> np.ndarray:
    """Convert ``(..., J_source, C)`` keypoints (last channel = score) to ``target``.

    Channels other than the score (x, y and optionally z) are averaged over the
    source joints; the score is their minimum.
    """
    if source == target:
        return keypoints
    try:
        mapping = CONVERSIONS[(source, target)]
    except KeyError:
        known = sorted(f"{s}->{t}" for s, t in CONVERSIONS)
        raise LayoutError(f"no conversion from {source!r} to {target!r}; known: {known}") from None
    keypoints = np.asarray(keypoints)
    joints = KNOWN_LAYOUTS[source].num_joints
    if keypoints.ndim < 2 or keypoints.shape[-2] != joints:
        raise LayoutError(
            f"{source!r} has {joints} joints, got keypoints of shape {keypoints.shape}"
        )
    return apply_joint_map(keypoints, mapping)


def apply_joint_map(keypoints: np.ndarray, mapping: JointMap) -> np.ndarray:
    """``(..., J, C)`` keypoints through ``mapping``; a joint without sources is (0, .., 0)."""
    keypoints = np.asarray(keypoints)
    out = np.zeros((*keypoints.shape[:-2], len(mapping), keypoints.shape[-1]), keypoints.dtype)
    for t, sources in enumerate(mapping):
        if not sources:
            continue
        picked = keypoints[..., list(sources), :]
        score = picked[..., -1].min(axis=-1)
        present = score > 0
        out[..., t, :-1] = np.where(present[..., None], picked[..., :-1].mean(axis=-2), 0)
        out[..., t, -1] = np.where(present, score, 0)
    return out
