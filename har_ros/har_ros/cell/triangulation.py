"""3D joints from several calibrated views: weighted DLT with outlier views dropped.

Each joint is triangulated from the views that see it with a score of at
least ``min_score`` (undistorted pixels, rows weighted by score). A view whose
reprojection error exceeds ``max_error_px`` is dropped and the joint solved
again while two views remain (the worst first); a joint left with fewer than
two consistent views stays unknown (NaN). This is the DLT of Hartley &
Zisserman, with the per-view rejection Pose2Sim also uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calibration import CameraCalibration


@dataclass(frozen=True)
class Triangulated:
    points: np.ndarray  # (J, 3) cell frame, NaN where unknown
    errors: np.ndarray  # (J,) mean reprojection error over the views used, px; NaN unknown
    views: np.ndarray  # (J, V) bool, the views each joint was solved from


def dlt(projections: list[np.ndarray], pixels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """One point from (V, 2) undistorted pixels seen by V 3x4 projections."""
    rows = []
    for P, (u, v), w in zip(projections, pixels, weights, strict=True):
        rows.append(w * (u * P[2] - P[0]))
        rows.append(w * (v * P[2] - P[1]))
    _, _, vt = np.linalg.svd(np.asarray(rows))
    X = vt[-1]
    return X[:3] / X[3] if abs(X[3]) > 1e-12 else np.full(3, np.nan)


def reprojection_errors(cameras: list[CameraCalibration], point: np.ndarray,
                        pixels: np.ndarray) -> np.ndarray:
    """(V,) pixel distance between ``point`` projected into each camera and ``pixels``."""
    return np.array([np.linalg.norm(cam.project(point[None])[0] - px)
                     for cam, px in zip(cameras, pixels, strict=True)])


def triangulate(cameras: list[CameraCalibration], keypoints: list[np.ndarray],
                min_score: float = 0.3, max_error_px: float = 15.0) -> Triangulated:
    """Joints of one person seen as ``keypoints[v]`` (J, 3: x, y, score) by ``cameras[v]``."""
    views = len(cameras)
    joints = keypoints[0].shape[0]
    ideal = [cam.undistort(kp[:, :2]) for cam, kp in zip(cameras, keypoints, strict=True)]
    projections = [cam.projection() for cam in cameras]
    points = np.full((joints, 3), np.nan)
    errors = np.full(joints, np.nan)
    used = np.zeros((joints, views), bool)
    for j in range(joints):
        active = [v for v in range(views)
                  if keypoints[v][j, 2] >= min_score and np.all(np.isfinite(keypoints[v][j]))]
        while len(active) >= 2:
            X = dlt([projections[v] for v in active], np.array([ideal[v][j] for v in active]),
                    np.array([keypoints[v][j, 2] for v in active]))
            if not np.all(np.isfinite(X)):
                break
            err = reprojection_errors([cameras[v] for v in active], X,
                                      np.array([keypoints[v][j, :2] for v in active]))
            if np.all(np.isfinite(err)) and err.max() <= max_error_px:
                points[j], errors[j], used[j, active] = X, err.mean(), True
                break
            worst = int(np.nanargmax(np.where(np.isfinite(err), err, np.inf)))
            active.pop(worst)
    return Triangulated(points, errors, used)
