"""Multi-person tracking: stable ids from frame-to-frame assignment.

Each track predicts its box with a constant velocity; detections are assigned
by the Hungarian method (scipy) on a cost mixing box overlap and keypoint
distance, with a gate. A track is confirmed after ``min_hits`` hits and gets
an id then (ids are never reused); it survives ``max_miss_time`` seconds
without a detection. Unconfirmed detections are still returned (track id -1),
so that nobody in view is ever dropped on the way to the safety node.

A confirmed track the detector misses is *coasted* for up to ``coast_time``
seconds after its last detection: it is returned at its predicted place (box
and joints moved by its velocity, person score halved, ``coasted`` set),
because a person the detector loses for a frame or two has not left the cell.
The bound keeps a person who really left from lingering longer than that.

Both limits are times, not frame counts: on a frame the detector does not run
(the pose node's ``detect_every``), ``predict`` returns everyone the last
frame showed at their predicted place, and such a frame is no miss. A stamp
that jumps back by more than ``max_miss_time`` (a replay starting again)
forgets every track; ids go on counting.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..skeleton.types import Person

STAMP_TOLERANCE_S = 1e-3
MIN_VELOCITY_DT_S = 5e-3  # stamps closer than this say nothing about speed


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def keypoint_distance(a: np.ndarray, b: np.ndarray, scale: float, min_score: float) -> float:
    """Mean distance of the joints seen in both, over ``scale``; 1 when none is shared."""
    shared = (a[:, 2] > min_score) & (b[:, 2] > min_score)
    if not shared.any() or scale <= 0:
        return 1.0
    return float(np.linalg.norm(a[shared, :2] - b[shared, :2], axis=1).mean() / scale)


@dataclass
class Track:
    box: np.ndarray
    keypoints: np.ndarray
    last_seen_s: float  # stamp of the last detection
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))  # px/s
    hits: int = 1
    track_id: int = -1
    layout: str = ""
    score: float = 0.0
    shown: bool = True  # in the output of the last frame

    def unseen_s(self, stamp_s: float) -> float:
        """Seconds since the last detection, less a millisecond of tolerance.

        Camera stamps jitter, and epoch seconds in a float carry about 0.2 µs of
        error: a frame right at a limit must not fall either side of it by chance.
        """
        return max(0.0, stamp_s - self.last_seen_s - STAMP_TOLERANCE_S)

    def predicted(self, stamp_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Box and joints at ``stamp_s``, moved on from the last detection."""
        shift = self.velocity * self.unseen_s(stamp_s)
        keypoints = self.keypoints.copy()
        keypoints[:, :2] += shift
        return self.box + np.tile(shift, 2), keypoints


@dataclass(frozen=True)
class TrackerConfig:
    min_hits: int = 2
    max_miss_time: float = 0.5
    max_cost: float = 0.75
    min_keypoint_score: float = 0.2
    coast_time: float = 0.0

    def validate(self) -> None:
        if self.min_hits < 1 or not self.max_miss_time >= 0:
            raise ValueError("tracker min_hits must be >= 1 and max_miss_time >= 0 s")
        if not 0 <= self.coast_time <= self.max_miss_time:
            raise ValueError("tracker coast_time must be in [0, max_miss_time] s")
        if not 0.0 < self.max_cost <= 1.0:
            raise ValueError("tracker max_cost must be in (0, 1]")


class Tracker:
    def __init__(self, config: TrackerConfig | None = None, ids: Iterator[int] | None = None):
        """``ids``: where new ids come from (a node passes one counter for its whole life)."""
        self.config = config or TrackerConfig()
        self.config.validate()
        self.tracks: list[Track] = []
        self._ids = ids if ids is not None else itertools.count(1)
        self._newest_s = -np.inf

    def _cost(self, track: Track, person: Person, stamp_s: float) -> float:
        box, keypoints = track.predicted(stamp_s)
        det_box = np.asarray(person.bbox, dtype=np.float64)
        diag = float(np.hypot(det_box[2] - det_box[0], det_box[3] - det_box[1]))
        kp = keypoint_distance(keypoints, person.keypoints, diag, self.config.min_keypoint_score)
        return 0.5 * (1.0 - box_iou(box, det_box)) + 0.5 * min(1.0, kp)

    def _check_clock(self, stamp_s: float) -> None:
        if stamp_s < self._newest_s - self.config.max_miss_time:
            self.tracks = []  # time went back (a replay looped): nobody's age means anything
            self._newest_s = stamp_s
        else:
            self._newest_s = max(self._newest_s, stamp_s)

    def update(self, people: list[Person], stamp_s: float) -> list[Person]:
        """Assign track ids to the people detected at ``stamp_s`` (in place).

        Returns them and the coasted ones.
        """
        cfg = self.config
        self._check_clock(stamp_s)
        matched_tracks: set[int] = set()
        matched_people: set[int] = set()
        if self.tracks and people:
            cost = np.array([[self._cost(t, p, stamp_s) for p in people] for t in self.tracks])
            for ti, pi in zip(*linear_sum_assignment(cost), strict=True):
                if cost[ti, pi] <= cfg.max_cost:
                    matched_tracks.add(ti)
                    matched_people.add(pi)
                    self._hit(self.tracks[ti], people[pi], stamp_s)
        coasted = []
        for ti, track in enumerate(self.tracks):
            if ti not in matched_tracks:
                track.shown = False
                if track.track_id >= 0 and track.unseen_s(stamp_s) <= cfg.coast_time:
                    coasted.append(self._coast(track, people, stamp_s))
                    track.shown = coasted[-1] is not None
        self.tracks = [
            t
            for ti, t in enumerate(self.tracks)
            if ti in matched_tracks
            or (t.track_id >= 0 and t.unseen_s(stamp_s) <= cfg.max_miss_time)
        ]
        for pi, person in enumerate(people):
            if pi not in matched_people:
                track = Track(
                    np.asarray(person.bbox, dtype=np.float64),
                    person.keypoints.copy(),
                    stamp_s,
                    layout=person.layout,
                    score=person.score,
                )
                if cfg.min_hits <= 1:
                    track.track_id = next(self._ids)
                person.track_id = track.track_id
                self.tracks.append(track)
        return people + [p for p in coasted if p is not None]

    def predict(self, stamp_s: float) -> list[Person]:
        """A frame without detections: whoever the last frame showed, at the predicted place.

        Unconfirmed tracks come too (id -1), as update returns them: nobody in
        view vanishes on the frames the detector skips. A person stays until
        ``coast_time`` after their last detection, as on a frame the detector missed.
        """
        self._check_clock(stamp_s)
        predicted = []
        for track in self.tracks:
            if track.track_id >= 0 and track.unseen_s(stamp_s) > self.config.coast_time:
                track.shown = False
            if track.shown:
                box, keypoints = track.predicted(stamp_s)
                predicted.append(
                    Person(
                        keypoints=keypoints.astype(np.float32),
                        layout=track.layout,
                        score=track.score,
                        bbox=_bbox(box),
                        track_id=track.track_id,
                        coasted=True,
                    )
                )
        self.tracks = [t for t in self.tracks if t.unseen_s(stamp_s) <= self.config.max_miss_time]
        return predicted

    def _coast(self, track: Track, people: list[Person], stamp_s: float) -> Person | None:
        """The missed track at its predicted place, unless a detection already covers it."""
        box, keypoints = track.predicted(stamp_s)
        if any(box_iou(box, np.asarray(p.bbox, dtype=np.float64)) > 0.5 for p in people):
            return None  # someone detected there now: do not show the person twice
        return Person(
            keypoints=keypoints.astype(np.float32),
            layout=track.layout,
            score=track.score * 0.5,
            bbox=_bbox(box),
            track_id=track.track_id,
            coasted=True,
        )

    def _hit(self, track: Track, person: Person, stamp_s: float) -> None:
        box = np.asarray(person.bbox, dtype=np.float64)
        centre_shift = (box[:2] + box[2:]) / 2 - (track.box[:2] + track.box[2:]) / 2
        elapsed = stamp_s - track.last_seen_s
        if elapsed >= MIN_VELOCITY_DT_S:  # repeated or near-repeated stamps: no speed
            track.velocity = 0.5 * track.velocity + 0.5 * centre_shift / elapsed
        track.box, track.keypoints = box, person.keypoints.copy()
        track.layout, track.score = person.layout, person.score
        track.hits += 1
        track.last_seen_s = stamp_s
        track.shown = True
        if track.track_id < 0 and track.hits >= self.config.min_hits:
            track.track_id = next(self._ids)
        person.track_id = track.track_id


def _bbox(box: np.ndarray) -> tuple[float, float, float, float]:
    """A predicted (x1, y1, x2, y2) box as the plain floats a Person holds."""
    x1, y1, x2, y2 = (float(v) for v in box)
    return x1, y1, x2, y2
