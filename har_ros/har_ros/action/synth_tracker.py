"""Synthetic streams as a depth camera's own body tracker reports them (k4abt32, metres).

The synthetic motion (action/synth.py) has COCO-17's joints in 3D; the Azure
Kinect's tracker reports 32, in the depth camera's frame. The extra joints
are placed along the body (spine between pelvis and neck, hands beyond the
wrists, feet ahead of the ankles, the head between the ears), with a
tracker-like jitter. Test and demo data, not a model of the SDK's errors.
"""

from __future__ import annotations

import numpy as np

from ..skeleton.layouts import COCO17, K4ABT32
from .synth import StreamFrame

_C = {name: i for i, name in enumerate(COCO17.joints)}
_K = {name: i for i, name in enumerate(K4ABT32.joints)}


def k4abt_from_coco(coco: np.ndarray) -> np.ndarray:
    """``(..., 17, 3)`` COCO joints in 3D -> ``(..., 32, 3)`` k4abt32 joints."""
    coco = np.asarray(coco, dtype=np.float64)
    out = np.zeros((*coco.shape[:-2], K4ABT32.num_joints, 3))

    def c(name: str) -> np.ndarray:
        return coco[..., _C[name], :]

    for name in K4ABT32.joints:
        if name in _C:
            out[..., _K[name], :] = c(name)
    pelvis = (c("left_hip") + c("right_hip")) / 2
    neck = (c("left_shoulder") + c("right_shoulder")) / 2
    head = (c("left_ear") + c("right_ear")) / 2
    facing = c("nose") - head  # forward, roughly level
    facing = facing / np.maximum(np.linalg.norm(facing, axis=-1, keepdims=True), 1e-6)
    out[..., _K["pelvis"], :] = pelvis
    out[..., _K["spine_navel"], :] = pelvis + 0.35 * (neck - pelvis)
    out[..., _K["spine_chest"], :] = pelvis + 0.7 * (neck - pelvis)
    out[..., _K["neck"], :] = neck
    out[..., _K["head"], :] = head
    for side in ("left", "right"):
        shoulder, elbow, wrist = (c(f"{side}_{j}") for j in ("shoulder", "elbow", "wrist"))
        forearm = wrist - elbow
        out[..., _K[f"{side}_clavicle"], :] = (neck + shoulder) / 2
        out[..., _K[f"{side}_hand"], :] = wrist + 0.25 * forearm
        out[..., _K[f"{side}_handtip"], :] = wrist + 0.45 * forearm
        out[..., _K[f"{side}_thumb"], :] = wrist + 0.3 * forearm + 0.03 * facing
        out[..., _K[f"{side}_foot"], :] = c(f"{side}_ankle") + 0.15 * facing
    return out


def tracker_frames(
    frames: list[StreamFrame], start_ns: int, seed: int = 0, jitter_m: float = 0.01
) -> list[tuple[int, dict[int, np.ndarray]]]:
    """(stamp, {body id: (32, 3) in the camera frame}) of a stream made by make_stream.

    Body ids are the stream's track ids, as a tracker keeps one per person.
    """
    rng = np.random.default_rng(seed)
    out = []
    for frame in frames:
        bodies = {}
        for person in frame.people:
            xyz = k4abt_from_coco(person["camera_xyz"])
            bodies[int(person["track_id"])] = xyz + rng.normal(0.0, jitter_m, xyz.shape)
        out.append((start_ns + round(frame.stamp * 1e9), bodies))
    return out
