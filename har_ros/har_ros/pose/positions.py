"""Where people stand: 3D from an aligned depth image, or floor x, y from a calibration.

Depth: every confident joint samples the median of a small depth patch; the
person's distance is the median over joints (robust to joints seen against
the background), back-projected through the camera intrinsics.
Floor: the midpoint of the ankles (or the bottom centre of the box) mapped
through an image-to-floor homography, which a calibrated camera
(intrinsics + extrinsics) also yields.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..skeleton.layouts import get_layout


@dataclass(frozen=True)
class Intrinsics:
    fx: float
    fy: float
    cx: float
    cy: float

    @classmethod
    def from_k(cls, k) -> Intrinsics:
        k = np.asarray(k, dtype=np.float64).reshape(3, 3)
        if k[0, 0] <= 0 or k[1, 1] <= 0:
            raise ValueError("camera intrinsics need fx, fy > 0")
        return cls(k[0, 0], k[1, 1], k[0, 2], k[1, 2])


def depth_to_metres(depth: np.ndarray) -> np.ndarray:
    """16UC1 millimetres or 32FC1 metres -> float32 metres, invalid as NaN."""
    if depth.dtype == np.uint16:
        metres = depth.astype(np.float32) / 1000.0
        metres[depth == 0] = np.nan
        return metres
    metres = depth.astype(np.float32, copy=True)
    metres[~np.isfinite(metres) | (metres <= 0)] = np.nan
    return metres


def joint_depths(
    keypoints: np.ndarray, depth_m: np.ndarray, min_score: float, patch: int = 2
) -> np.ndarray:
    """Median depth around each confident joint (NaN where unknown)."""
    h, w = depth_m.shape
    out = np.full(len(keypoints), np.nan, dtype=np.float32)
    for j, (x, y, score) in enumerate(keypoints):
        if score < min_score or not (np.isfinite(x) and np.isfinite(y)):
            continue
        u, v = round(float(x)), round(float(y))
        if not (0 <= u < w and 0 <= v < h):
            continue
        window = depth_m[max(0, v - patch) : v + patch + 1, max(0, u - patch) : u + patch + 1]
        if np.isfinite(window).any():
            out[j] = np.nanmedian(window)
    return out


def depth_position(
    keypoints: np.ndarray,
    depth_m: np.ndarray,
    intrinsics: Intrinsics,
    min_score: float = 0.3,
    min_joints: int = 3,
) -> tuple[np.ndarray | None, np.ndarray]:
    """(person position or None, per-joint 3D with NaN) in the camera optical frame."""
    z = joint_depths(keypoints, depth_m, min_score)
    xyz = np.full((len(keypoints), 3), np.nan, dtype=np.float32)
    valid = np.isfinite(z)
    xyz[valid, 0] = (keypoints[valid, 0] - intrinsics.cx) * z[valid] / intrinsics.fx
    xyz[valid, 1] = (keypoints[valid, 1] - intrinsics.cy) * z[valid] / intrinsics.fy
    xyz[valid, 2] = z[valid]
    if valid.sum() < min_joints:
        return None, xyz
    return np.nanmedian(xyz[valid], axis=0).astype(np.float64), xyz


def homography_from_camera(
    intrinsics: Intrinsics, rotation: np.ndarray, translation: np.ndarray
) -> np.ndarray:
    """Image -> floor (z = 0) homography of a camera with pose world->camera [R | t]."""
    k = np.array([[intrinsics.fx, 0, intrinsics.cx], [0, intrinsics.fy, intrinsics.cy], [0, 0, 1]])
    floor_to_image = k @ np.column_stack([rotation[:, 0], rotation[:, 1], translation])
    return np.linalg.inv(floor_to_image)


def floor_position(
    keypoints: np.ndarray, bbox, layout: str, homography: np.ndarray, min_score: float = 0.3
) -> np.ndarray | None:
    """Floor x, y, 0 of the person's feet; None when the mapping is degenerate."""
    ankles = get_layout(layout).ankle_joints if layout else []
    seen = [j for j in ankles if keypoints[j, 2] >= min_score]
    if seen:
        u, v = keypoints[seen, :2].mean(axis=0)
    else:
        u, v = (bbox[0] + bbox[2]) / 2.0, bbox[3]
    p = np.asarray(homography, dtype=np.float64).reshape(3, 3) @ np.array([u, v, 1.0])
    if abs(p[2]) < 1e-9 or not np.all(np.isfinite(p)):
        return None
    return np.array([p[0] / p[2], p[1] / p[2], 0.0])
