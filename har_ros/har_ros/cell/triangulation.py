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


def dlt(projections: np.ndarray, pixels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Points from undistorted pixels: (..., V, 2) pixels, (..., V) weights, (V, 3, 4) P.

    Returns (..., 3); NaN where the solution is at infinity. A view of weight
    0 adds zero rows, which leave the solution as it is: every joint of a
    person is solved in one batched SVD, whatever views each has.
    """
    projections = np.asarray(projections, np.float64)
    pixels = np.asarray(pixels, np.float64)
    w = np.asarray(weights, np.float64)[..., None]
    rows_u = w * (pixels[..., 0:1] * projections[:, 2] - projections[:, 0])  # (..., V, 4)
    rows_v = w * (pixels[..., 1:2] * projections[:, 2] - projections[:, 1])
    _, _, vt = np.linalg.svd(np.concatenate([rows_u, rows_v], axis=-2))
    X = vt[..., -1, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(X[..., 3:4]) > 1e-12, X[..., :3] / X[..., 3:4], np.nan)


def reprojection_errors(
    cameras: list[CameraCalibration], points: np.ndarray, pixels: np.ndarray
) -> np.ndarray:
    """(V, N) pixel distances: (N, 3) ``points`` projected into each camera vs (V, N, 2).

    NaN for a point that is not finite or is behind a camera.
    """
    points = np.asarray(points, np.float64)
    finite = np.all(np.isfinite(points), axis=-1)
    safe = np.where(finite[:, None], points, 0.0)
    errors = np.stack(
        [
            np.linalg.norm(cam.project(safe) - px, axis=-1)
            for cam, px in zip(cameras, pixels, strict=True)
        ]
    )
    errors[:, ~finite] = np.nan
    return errors


def _solve_joint(
    cameras: list[CameraCalibration],
    projections: np.ndarray,
    ideal: np.ndarray,
    keypoints: np.ndarray,
    active: list[int],
    max_error_px: float,
) -> tuple[np.ndarray, float, list[int]] | None:
    """One joint from its ``active`` views, dropping the worst view while two remain.

    Returns (point, mean error, views used) or None.
    """
    while len(active) >= 2:
        X = dlt(projections[active], ideal[active], keypoints[active, 2])
        if not np.all(np.isfinite(X)):
            return None
        err = reprojection_errors(
            [cameras[v] for v in active], X[None], keypoints[active, None, :2]
        )[:, 0]
        if np.all(np.isfinite(err)) and err.max() <= max_error_px:
            return X, err.mean(), active
        worst = int(np.nanargmax(np.where(np.isfinite(err), err, np.inf)))
        active = active[:worst] + active[worst + 1 :]
    return None


def triangulate(
    cameras: list[CameraCalibration],
    keypoints: list[np.ndarray],
    min_score: float = 0.3,
    max_error_px: float = 15.0,
) -> Triangulated:
    """Joints of one person seen as ``keypoints[v]`` (J, 3: x, y, score) by ``cameras[v]``.

    All joints are solved at once from all the views that see them; only a
    joint with a view over ``max_error_px`` is solved again, one view fewer at
    a time (the worst first).
    """
    kp = np.stack([np.asarray(k, np.float64) for k in keypoints])  # (V, J, 3)
    views, joints = kp.shape[:2]
    active = (kp[..., 2] >= min_score) & np.all(np.isfinite(kp), axis=-1)  # (V, J)
    ideal = np.stack(
        [
            cam.undistort(np.where(active[v, :, None], kp[v, :, :2], 0.0))
            for v, cam in enumerate(cameras)
        ]
    )  # (V, J, 2)
    projections = np.stack([cam.projection() for cam in cameras])  # (V, 3, 4)
    weights = np.where(active, kp[..., 2], 0.0)
    first = dlt(projections, ideal.transpose(1, 0, 2), weights.T)  # (J, 3)
    first_errors = reprojection_errors(cameras, first, kp[..., :2])  # (V, J)
    points = np.full((joints, 3), np.nan)
    errors = np.full(joints, np.nan)
    used = np.zeros((joints, views), bool)
    for j in range(joints):
        seen = np.flatnonzero(active[:, j]).tolist()
        if len(seen) < 2:
            continue
        err = first_errors[seen, j]
        if np.all(np.isfinite(first[j])) and np.all(np.isfinite(err)) and err.max() <= max_error_px:
            points[j], errors[j], used[j, seen] = first[j], err.mean(), True
            continue
        if not np.all(np.isfinite(first[j])):
            continue  # at infinity with every view: fewer views will not bring it back
        solved = _solve_joint(cameras, projections, ideal[:, j], kp[:, j], seen, max_error_px)
        if solved is not None:
            points[j], errors[j] = solved[0], solved[1]
            used[j, solved[2]] = True
    return Triangulated(points, errors, used)
