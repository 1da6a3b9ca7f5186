"""People across calibrated cameras: associated, given fused ids, triangulated.

One step takes the detections of every camera for (about) one instant:

1. **Association to the fused tracks.** Per camera, a cost between each track
   and each detection: the mean pixel distance between the track's anchor
   points (its last 3D joints, or its floor point) projected into that camera
   and the detection's joints, divided by the detection's box diagonal; a
   detection that carries the camera track id the fused track had in that
   camera last time costs less. Hungarian assignment, gated at ``gate``.
2. **New people** from the detections left: pairs from different cameras are
   triangulated and joined when their reprojection error (over the box
   diagonal) is under ``gate``, never two detections of one camera; a
   detection no other camera confirms still makes a person (a person seen by
   any camera counts).
3. **3D.** Two or more views: every joint triangulated (DLT, outlier views
   dropped); the position is the mean of the hips (else of all joints).
   One view: the floor point under the feet (the ray through the ankles'
   midpoint, else the box's bottom centre, meets z = 0).
   ``uncertainty`` = the largest horizontal distance between the fused
   position and any single view's floor estimate, so a consumer can use the
   most conservative of the estimates (distance − uncertainty).
4. **Ids.** Fused ids come from a counter and are never reused; a track not
   seen for ``max_misses`` steps is dropped.

The 2D keypoints kept for each person are those of its primary view (the
camera that sees it largest, kept while it still sees it), so an action
classifier's window stays in one view.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..skeleton.layouts import get_layout
from .calibration import CameraCalibration
from .triangulation import Triangulated, triangulate


@dataclass(frozen=True)
class FusionConfig:
    gate: float = 0.5  # normalised cost (pixel error / box diagonal) for a match
    min_score: float = 0.3  # joints below this score are not used
    max_error_px: float = 20.0  # a view further than this from a triangulated joint is dropped
    max_misses: int = 10  # steps a fused track survives unseen
    max_tracks: int = 40  # tracks kept; past it the longest unseen go first
    same_track_bonus: float = 0.5  # cost factor for the camera track id seen last time
    floor_z: float = 0.0
    ankle_height: float = 0.08  # m above the floor of the ankle joints

    def validate(self) -> None:
        if not 0 < self.gate <= 5:
            raise ValueError("gate must be in (0, 5]")
        if self.ankle_height < 0:
            raise ValueError("ankle_height must be >= 0")
        if not 0 <= self.min_score < 1:
            raise ValueError("min_score must be in [0, 1)")
        if self.max_error_px <= 0 or self.max_misses < 0:
            raise ValueError("max_error_px must be > 0 and max_misses >= 0")
        if not 0 < self.same_track_bonus <= 1:
            raise ValueError("same_track_bonus must be in (0, 1]")
        if self.max_tracks < 1:
            raise ValueError("max_tracks must be >= 1")


@dataclass
class Detection:
    camera: str
    keypoints: np.ndarray  # (J, 3) pixels of that camera, score
    bbox: tuple[float, float, float, float]
    track_id: int = -1  # the camera's own tracker id

    @property
    def diagonal(self) -> float:
        x0, y0, x1, y1 = self.bbox
        return max(float(np.hypot(x1 - x0, y1 - y0)), 1.0)

    @property
    def area(self) -> float:
        x0, y0, x1, y1 = self.bbox
        return max(x1 - x0, 0.0) * max(y1 - y0, 0.0)


@dataclass
class FusedPerson:
    fused_id: int
    detections: dict[str, Detection]  # camera -> its detection this step
    keypoints_3d: np.ndarray | None  # (J, 3) cell frame, NaN unknown; None: one view
    position: np.ndarray | None  # (3,) cell frame
    uncertainty: float  # m, see the module text
    primary: str  # camera whose 2D keypoints are kept
    errors: np.ndarray | None = None  # (J,) reprojection error per joint, px


@dataclass
class _Track:
    fused_id: int
    anchors: np.ndarray  # (A, 3) points to project: 3D joints or the floor point
    anchor_joints: list[int] | None  # joint index of each anchor; None = floor point
    camera_tracks: dict[str, int] = field(default_factory=dict)
    primary: str = ""
    misses: int = 0


class PersonFusion:
    def __init__(
        self,
        cameras: dict[str, CameraCalibration],
        layout: str = "coco17",
        config: FusionConfig | None = None,
        ids: Iterator[int] | None = None,
    ):
        self.config = config or FusionConfig()
        self.config.validate()
        self.cameras = dict(cameras)
        self.layout = get_layout(layout)
        self._hips = self.layout.hip_joints
        self._ankles = self.layout.ankle_joints
        self._ids = ids if ids is not None else itertools.count(1)
        self.tracks: list[_Track] = []

    # -- costs ---------------------------------------------------------------------------
    def _track_cost(self, track: _Track, det: Detection) -> float:
        cam = self.cameras[det.camera]
        projected = cam.project(track.anchors)
        if track.anchor_joints is None:
            targets = self._foot_pixel(det)[0][None]
        else:
            targets = det.keypoints[track.anchor_joints, :2]
            seen = det.keypoints[track.anchor_joints, 2] >= self.config.min_score
            projected, targets = projected[seen], targets[seen]
        dist = np.linalg.norm(projected - targets, axis=1)
        dist = dist[np.isfinite(dist)]
        if not len(dist):
            return np.inf
        cost = float(np.median(dist)) / det.diagonal
        if track.camera_tracks.get(det.camera) == det.track_id and det.track_id >= 0:
            cost *= self.config.same_track_bonus
        return cost

    def _pair_cost(self, a: Detection, b: Detection) -> float:
        tri = triangulate(
            [self.cameras[a.camera], self.cameras[b.camera]],
            [a.keypoints, b.keypoints],
            self.config.min_score,
            np.inf,
        )
        errors = tri.errors[np.isfinite(tri.errors)]
        if len(errors) < 3:
            return np.inf
        return float(np.median(errors)) / min(a.diagonal, b.diagonal)

    def _foot_pixel(self, det: Detection) -> tuple[np.ndarray, float]:
        """The ankles' midpoint and its height, else the box's bottom centre on the floor."""
        ankles = det.keypoints[self._ankles]
        good = ankles[ankles[:, 2] >= self.config.min_score]
        if len(good):
            return good[:, :2].mean(axis=0), self.config.ankle_height
        x0, _, x1, y1 = det.bbox
        return np.array([(x0 + x1) / 2, y1]), 0.0

    def floor_estimate(self, det: Detection) -> np.ndarray | None:
        """The point on the floor under the person's feet, seen from one camera."""
        pixel, height = self._foot_pixel(det)
        point = self.cameras[det.camera].floor_point(pixel, self.config.floor_z + height)
        if point is not None:
            point[2] = self.config.floor_z
        return point

    # -- one step ------------------------------------------------------------------------
    def update(self, detections: list[Detection]) -> list[FusedPerson]:
        detections = [
            d
            for d in detections
            if d.camera in self.cameras and np.any(d.keypoints[:, 2] >= self.config.min_score)
        ]
        groups: dict[int, dict[str, Detection]] = {}  # track index -> camera -> detection
        left = set(range(len(detections)))
        for camera in sorted({d.camera for d in detections}):
            rows = [i for i in left if detections[i].camera == camera]
            if not rows or not self.tracks:
                continue
            cost = np.array(
                [[self._track_cost(t, detections[i]) for i in rows] for t in self.tracks]
            )
            cost_finite = np.where(np.isfinite(cost), cost, 1e6)
            for ti, ci in zip(*linear_sum_assignment(cost_finite), strict=True):
                if cost[ti, ci] <= self.config.gate:
                    groups.setdefault(ti, {})[camera] = detections[rows[ci]]
                    left.discard(rows[ci])
        new_groups = self._cluster([detections[i] for i in sorted(left)])
        people = []
        for ti, views in groups.items():
            people.append(self._fuse(self.tracks[ti], views))
        for views in new_groups:
            track = _Track(next(self._ids), np.zeros((0, 3)), None)
            self.tracks.append(track)
            people.append(self._fuse(track, views))
        seen = {p.fused_id for p in people}
        for track in self.tracks:
            track.misses = 0 if track.fused_id in seen else track.misses + 1
        self.tracks = [t for t in self.tracks if t.misses <= self.config.max_misses]
        if len(self.tracks) > self.config.max_tracks:  # crowds of strangers: each step's
            # unmatched people start tracks, and every track costs each later step
            kept = {
                t.fused_id
                for t in sorted(self.tracks, key=lambda t: t.misses)[
                    : max(self.config.max_tracks, len(seen))
                ]
            }
            self.tracks = [t for t in self.tracks if t.fused_id in kept]
        return sorted(people, key=lambda p: p.fused_id)

    def _cluster(self, dets: list[Detection]) -> list[dict[str, Detection]]:
        pairs = sorted(
            (self._pair_cost(a, b), i, j)
            for (i, a), (j, b) in itertools.combinations(enumerate(dets), 2)
            if a.camera != b.camera
        )
        cluster = list(range(len(dets)))
        members = {i: {i} for i in range(len(dets))}
        for cost, i, j in pairs:
            if cost > self.config.gate:
                break
            ci, cj = cluster[i], cluster[j]
            if ci == cj:
                continue
            cams_i = {dets[k].camera for k in members[ci]}
            if cams_i & {dets[k].camera for k in members[cj]}:
                continue
            for k in members[cj]:
                cluster[k] = ci
            members[ci] |= members.pop(cj)
        return [{dets[k].camera: dets[k] for k in group} for group in members.values()]

    def _fuse(self, track: _Track, views: dict[str, Detection]) -> FusedPerson:
        cfg = self.config
        estimates = [e for e in (self.floor_estimate(d) for d in views.values()) if e is not None]
        keypoints_3d, errors, position = None, None, None
        if len(views) >= 2:
            names = sorted(views)
            tri: Triangulated = triangulate(
                [self.cameras[n] for n in names],
                [views[n].keypoints for n in names],
                cfg.min_score,
                cfg.max_error_px,
            )
            if np.isfinite(tri.points[:, 0]).sum() >= 3:
                keypoints_3d, errors = tri.points, tri.errors
                hips = tri.points[self._hips]
                hips = hips[np.isfinite(hips[:, 0])]
                centre = hips if len(hips) else tri.points[np.isfinite(tri.points[:, 0])]
                position = centre.mean(axis=0)
        if position is None and estimates:
            position = np.mean(estimates, axis=0)
        uncertainty = 0.0
        if position is not None and estimates:
            uncertainty = float(max(np.linalg.norm((e - position)[:2]) for e in estimates))
        # anchors for the next step's association
        if keypoints_3d is not None:
            good = np.flatnonzero(np.isfinite(keypoints_3d[:, 0]))
            track.anchors, track.anchor_joints = keypoints_3d[good], good.tolist()
        elif position is not None:
            foot = position.copy()
            foot[2] = cfg.floor_z + cfg.ankle_height  # what the foot pixel is compared with
            track.anchors, track.anchor_joints = foot[None], None
        track.camera_tracks = {n: d.track_id for n, d in views.items()}
        if track.primary not in views:
            track.primary = max(views, key=lambda n: views[n].area)
        return FusedPerson(
            track.fused_id, dict(views), keypoints_3d, position, uncertainty, track.primary, errors
        )
