"""A synthetic calibrated rig looking at people standing on the floor (shared by cell tests)."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from har_ros.cell.calibration import CameraCalibration

# COCO-17 joint heights (m) and lateral offsets of a standing person facing +x
_HEIGHT = [
    1.65,
    1.68,
    1.68,
    1.66,
    1.66,
    1.45,
    1.45,
    1.15,
    1.15,
    0.9,
    0.9,
    0.95,
    0.95,
    0.5,
    0.5,
    0.08,
    0.08,
]
_SIDE = [
    0,
    0.03,
    -0.03,
    0.07,
    -0.07,
    0.2,
    -0.2,
    0.25,
    -0.25,
    0.27,
    -0.27,
    0.12,
    -0.12,
    0.12,
    -0.12,
    0.12,
    -0.12,
]


def person_joints(x: float, y: float, yaw: float = 0.0) -> np.ndarray:
    side = np.array(_SIDE)
    local = np.column_stack([np.zeros(17), side, np.array(_HEIGHT)])
    return Rotation.from_euler("z", yaw).apply(local) + np.array([x, y, 0.0])


def look_at(
    name: str, centre, target=(0.0, 0.0, 1.0), width=640, height=480, f=500.0
) -> CameraCalibration:
    centre, target = np.asarray(centre, float), np.asarray(target, float)
    z = target - centre
    z /= np.linalg.norm(z)
    x = np.cross(z, [0, 0, 1.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.vstack([x, y, z])
    K = np.array([[f, 0, width / 2], [0, f, height / 2], [0, 0, 1]])
    return CameraCalibration(name, width, height, K, np.zeros(5), R, -R @ centre)


def rig() -> dict[str, CameraCalibration]:
    return {
        f"cam{i + 1}": look_at(f"cam{i + 1}", (4 * np.cos(a), 4 * np.sin(a), 2.0))
        for i, a in enumerate(np.deg2rad([0, 90, 180, 270]))
    }


def observe(cam: CameraCalibration, joints: np.ndarray, noise: float = 0.0, rng=None):
    """(17, 3) pixels + score of ``joints`` in ``cam``, and its box."""
    px = cam.project(joints)
    if noise:
        px = px + (rng or np.random.default_rng(0)).normal(0, noise, px.shape)
    kp = np.column_stack([px, np.full(len(px), 0.9)])
    box = (*px.min(axis=0), *px.max(axis=0))
    return kp.astype(np.float32), tuple(float(v) for v in box)
