"""Per-person sliding windows of skeletons, resampled onto the model's time base.

One buffer per track id holds (stamp, keypoints). A window is the last
``window`` frames at ``rate_hz`` interpolated from whatever the camera gave
(so a 15 or 60 Hz camera, or jitter, looks the same to the model). Buffers are
trimmed by time and capped in length, a gap longer than ``max_gap`` resets a
person, a person unseen for ``track_timeout`` is forgotten, a time jump
backwards (a bag starting over) resets everyone. With ``min_fill`` < 1 a
new track is classified once that share of a window is buffered, the missing
start repeating its first frame (early recognition). Bad frames are counted in
``drops`` by reason, never raised; a skeleton whose joint count does not fit
its layout (a custom one's included: ``joints``) is ``bad_shape``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..skeleton.conversions import can_convert, convert
from ..skeleton.layouts import KNOWN_LAYOUTS

MAX_LAYOUT_KEYS = 8  # distinct layout names counted apart in ``drops``


@dataclass(frozen=True)
class WindowConfig:
    window: int = 32  # frames the model sees
    stride: int = 5  # frames between two classifications of one person
    rate_hz: float = 30.0  # the model's time base
    max_gap: float = 0.5  # s without a frame before a person's buffer restarts
    track_timeout: float = 2.0  # s before an unseen person is forgotten
    min_valid_joints: float = 0.5  # fraction of joints that must be seen on average
    layout: str = "coco17"
    min_fill: float = 1.0  # share of the window a track needs before its first window
    joints: int = 0  # of ``layout``; 0 = a known layout's own (a custom one must say)
    channels: int = 3  # per joint: x, y, score; 4 with z (a 3D model)

    def validate(self) -> None:
        if self.window < 2 or self.stride < 1:
            raise ValueError("window must be >= 2 and stride >= 1 frames")
        if not self.rate_hz > 0 or not self.max_gap > 0 or not self.track_timeout > 0:
            raise ValueError("rate_hz, max_gap and track_timeout must be > 0")
        if not 0.0 <= self.min_valid_joints <= 1.0:
            raise ValueError("min_valid_joints must be in [0, 1]")
        if not 0.0 < self.min_fill <= 1.0:
            raise ValueError("min_fill must be in (0, 1]")
        if self.channels not in (3, 4):
            raise ValueError("channels must be 3 (x, y, score) or 4 (x, y, z, score)")
        known = KNOWN_LAYOUTS.get(self.layout)
        if self.joints < 0 or (known and self.joints not in (0, known.num_joints)):
            raise ValueError(f"joints must be 0 or the {self.layout!r} layout's count")

    def joints_of(self, layout: str) -> int:
        """Joints a skeleton in ``layout`` must have; 0 when nothing says (it is not ours)."""
        known = KNOWN_LAYOUTS.get(layout)
        if known:
            return known.num_joints
        return self.joints if layout == self.layout else 0

    @property
    def span(self) -> float:
        return (self.window - 1) / self.rate_hz


@dataclass
class Window:
    track_id: int
    keypoints: np.ndarray  # (window, J, C) on the model's time base; C: x, y[, z], score
    start_ns: int
    end_ns: int


class _Track:
    """One person's recent (stamp, keypoints), oldest first, in two growing arrays.

    ``[start:end]`` is live, so a window reads a contiguous slice instead of
    stacking a list of frames every step; dropping old frames moves ``start``,
    and the live part is moved to the front only when the arrays are full.
    """

    def __init__(self, joints: int, capacity: int = 64, channels: int = 3):
        self.stamps = np.empty(capacity)  # seconds
        self.frames = np.empty((capacity, joints, channels), np.float32)
        self.start = self.end = 0
        self.last_classified = -np.inf

    def __len__(self) -> int:
        return self.end - self.start

    @property
    def joints(self) -> int:
        return self.frames.shape[1]

    def first(self, offset: int = 0) -> float:
        return float(self.stamps[self.start + offset])

    def last(self) -> float:
        return float(self.stamps[self.end - 1])

    def live(self) -> tuple[np.ndarray, np.ndarray]:
        return self.stamps[self.start : self.end], self.frames[self.start : self.end]

    def clear(self) -> None:
        self.start = self.end = 0
        self.last_classified = -np.inf

    def append(self, t: float, keypoints: np.ndarray) -> None:
        if self.end == len(self.stamps):
            live = len(self)
            size = 2 * live if live > len(self.stamps) // 2 else len(self.stamps)
            stamps, frames = np.empty(size), np.empty((size, *self.frames.shape[1:]), np.float32)
            stamps[:live], frames[:live] = self.live()
            self.stamps, self.frames, self.start, self.end = stamps, frames, 0, live
        self.stamps[self.end] = t
        self.frames[self.end] = keypoints
        self.end += 1

    def drop_oldest(self, count: int) -> None:
        self.start += min(count, len(self))


class WindowBuffers:
    def __init__(self, config: WindowConfig, max_frames: int | None = None):
        config.validate()
        self.config = config
        self.max_frames = max_frames or 8 * config.window  # cameras up to 8x the model rate
        self.people: dict[int, _Track] = {}
        self.drops: Counter = Counter()
        self._rejected_layout: str | None = None  # newest unconvertible layout, for a log
        self._latest = -np.inf
        self._origin_ns: int | None = None
        # seconds from each window frame to the window's end
        self._offsets = (config.window - 1 - np.arange(config.window)) / config.rate_hz

    def take_rejected_layout(self) -> str | None:
        """The newest layout refused since the last call (None if none), for one log line."""
        layout, self._rejected_layout = self._rejected_layout, None
        return layout

    def reset(self) -> None:
        self.people.clear()
        self._latest = -np.inf
        self._origin_ns = None

    def _layout_key(self, layout: str) -> str:
        """The drops key of an unconvertible layout: ``layout_<name>``, or ``layout_other``.

        Past MAX_LAYOUT_KEYS names, so a publisher sending ever new names cannot
        grow the counters without bound.
        """
        key = f"layout_{layout}"
        if key in self.drops:  # the usual case: the same publisher again
            return key
        named = sum(k.startswith("layout_") for k in self.drops)
        return key if named < MAX_LAYOUT_KEYS - 1 else "layout_other"

    def begin_frame(self, stamp_ns: int) -> None:
        """Call once per SkeletonArray: detects time jumps back and expires old tracks."""
        t = self._seconds(stamp_ns)
        if t < self._latest - self.config.max_gap:
            self.drops["time_jump_back_reset"] += 1
            self.reset()
            t = self._seconds(stamp_ns)
        self._latest = max(self._latest, t)
        for track_id in [
            k for k, p in self.people.items() if t - p.last() > self.config.track_timeout
        ]:
            del self.people[track_id]

    def _seconds(self, stamp_ns: int) -> float:
        """Seconds since the first stamp seen: exact enough in a float, unlike epoch time."""
        if self._origin_ns is None:
            self._origin_ns = stamp_ns
        return (stamp_ns - self._origin_ns) * 1e-9

    def add(self, track_id: int, stamp_ns: int, keypoints: np.ndarray, layout: str) -> bool:
        """Buffer one person's keypoints (J, channels); False (and counted) if dropped."""
        cfg = self.config
        if track_id < 0:
            self.drops["untracked"] += 1
            return False
        kp = np.array(keypoints, dtype=np.float32, copy=True)
        joints = cfg.joints_of(layout)
        if (
            kp.ndim != 2
            or kp.shape[1] != cfg.channels
            or not len(kp)
            or (joints and len(kp) != joints)
        ):
            self.drops["bad_shape"] += 1  # a custom layout's misfit too: the model's is fixed
            return False
        if layout != cfg.layout:
            if not can_convert(layout, cfg.layout):
                self.drops[self._layout_key(layout)] += 1
                self._rejected_layout = layout
                return False
            kp = convert(kp, layout, cfg.layout)
        kp[~np.isfinite(kp.sum(axis=1))] = 0.0  # a NaN/inf anywhere in a joint: missing
        score = kp[:, -1]
        np.minimum(np.maximum(score, 0.0, out=score), 1.0, out=score)
        if not score.max() > 0:
            self.drops["no_valid_joint"] += 1
            return False
        t = self._seconds(stamp_ns)
        person = self.people.get(track_id)
        if person is None:
            person = self.people[track_id] = _Track(len(kp), 2 * cfg.window, cfg.channels)
        if len(kp) != person.joints:  # a custom layout whose joint count changed
            self.drops["bad_shape"] += 1
            return False
        if len(person) and t <= person.last():
            self.drops["out_of_order"] += 1
            return False
        if len(person) and t - person.last() > cfg.max_gap:
            self.drops["gap_reset"] += 1
            person.clear()
        person.append(t, kp)
        stamps, _ = person.live()
        # keep one frame older than the window's start (to interpolate it), at most max_frames
        older = int(np.searchsorted(stamps, t - cfg.span - 1.0 / cfg.rate_hz)) - 1
        person.drop_oldest(max(min(older, len(stamps) - 2), len(stamps) - self.max_frames, 0))
        return True

    def ready(self) -> list[Window]:
        """Windows of every person due for classification (and mark them classified).

        All due people are interpolated together: one blend over a (people,
        window, J, C) array instead of a handful of small array operations each.
        """
        cfg = self.config
        due, samples, weights = [], [], []
        for track_id, person in self.people.items():
            if len(person) < 2:
                continue
            end = person.last()
            if end - person.first() < cfg.min_fill * cfg.span - 0.5 / cfg.rate_hz:
                continue  # not enough of a window yet (the rest repeats the first frame)
            if end - person.last_classified < cfg.stride / cfg.rate_hz - 1e-6:
                continue
            person.last_classified = end
            stamps, frames = person.live()
            before, weight = _neighbours(stamps, end - self._offsets)
            due.append((track_id, end))
            samples.append(frames[np.stack((before, before + 1))])
            weights.append(weight)
        if not due:
            return []
        pairs = np.stack(samples)  # (P, 2, window, J, C): the frames before and after
        w = np.stack(weights).astype(np.float32)[..., None, None]
        windows = pairs[:, 0] * (1 - w) + pairs[:, 1] * w
        windows[(pairs[:, 0, ..., -1] <= 0) | (pairs[:, 1, ..., -1] <= 0)] = 0.0  # seen in both
        seen = (windows[..., -1] > 0).reshape(len(due), -1).sum(axis=1)
        out = []
        for (track_id, end), window, count in zip(due, windows, seen, strict=True):
            if count < cfg.min_valid_joints * window[..., -1].size:
                self.drops["too_few_joints"] += 1
                continue
            end_ns = self._origin_ns + round(end * 1e9)
            out.append(Window(track_id, window, end_ns - round(cfg.span * 1e9), end_ns))
        return out


def _neighbours(stamps: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per time: index of the buffered frame before it, blend weight of the one after.

    Linear interpolation, clamped at both ends.
    """
    before = np.minimum(
        np.maximum(np.searchsorted(stamps, times, side="right") - 1, 0), len(stamps) - 2
    )
    t0, t1 = stamps[before], stamps[before + 1]
    return before, np.minimum(np.maximum((times - t0) / np.maximum(t1 - t0, 1e-9), 0.0), 1.0)
