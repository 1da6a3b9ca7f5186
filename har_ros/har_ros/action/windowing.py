"""Per-person sliding windows of skeletons, resampled onto the model's time base.

One buffer per track id holds (stamp, keypoints). A window is the last
``window`` frames at ``rate_hz`` interpolated from whatever the camera gave
(so a 15 or 60 Hz camera, or jitter, looks the same to the model). Buffers are
trimmed by time and capped in length, a gap longer than ``max_gap`` resets a
person, a person unseen for ``track_timeout`` is forgotten, a time jump
backwards (a bag starting over) resets everyone. Bad frames are counted in
``drops`` by reason, never raised.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

import numpy as np

from ..skeleton.conversions import can_convert, convert
from ..skeleton.layouts import KNOWN_LAYOUTS


@dataclass(frozen=True)
class WindowConfig:
    window: int = 32  # frames the model sees
    stride: int = 5  # frames between two classifications of one person
    rate_hz: float = 30.0  # the model's time base
    max_gap: float = 0.5  # s without a frame before a person's buffer restarts
    track_timeout: float = 2.0  # s before an unseen person is forgotten
    min_valid_joints: float = 0.5  # fraction of joints that must be seen on average
    layout: str = "coco17"

    def validate(self) -> None:
        if self.window < 2 or self.stride < 1:
            raise ValueError("window must be >= 2 and stride >= 1 frames")
        if not self.rate_hz > 0 or not self.max_gap > 0 or not self.track_timeout > 0:
            raise ValueError("rate_hz, max_gap and track_timeout must be > 0")
        if not 0.0 <= self.min_valid_joints <= 1.0:
            raise ValueError("min_valid_joints must be in [0, 1]")

    @property
    def span(self) -> float:
        return (self.window - 1) / self.rate_hz


@dataclass
class Window:
    track_id: int
    keypoints: np.ndarray  # (window, J, 3) on the model's time base
    start_ns: int
    end_ns: int


@dataclass
class _Person:
    stamps: deque = field(default_factory=deque)  # seconds
    frames: deque = field(default_factory=deque)
    last_classified: float = -np.inf


class WindowBuffers:
    def __init__(self, config: WindowConfig, max_frames: int | None = None):
        config.validate()
        self.config = config
        self.max_frames = max_frames or 8 * config.window  # cameras up to 8x the model rate
        self.people: dict[int, _Person] = {}
        self.drops: Counter = Counter()
        self._latest = -np.inf
        self._origin_ns: int | None = None

    def reset(self) -> None:
        self.people.clear()
        self._latest = -np.inf
        self._origin_ns = None

    def begin_frame(self, stamp_ns: int) -> None:
        """Call once per SkeletonArray: detects time jumps back and expires old tracks."""
        t = self._seconds(stamp_ns)
        if t < self._latest - self.config.max_gap:
            self.drops["time_jump_back_reset"] += 1
            self.reset()
            t = self._seconds(stamp_ns)
        self._latest = max(self._latest, t)
        for track_id in [k for k, p in self.people.items()
                         if t - p.stamps[-1] > self.config.track_timeout]:
            del self.people[track_id]

    def _seconds(self, stamp_ns: int) -> float:
        """Seconds since the first stamp seen: exact enough in a float, unlike epoch time."""
        if self._origin_ns is None:
            self._origin_ns = stamp_ns
        return (stamp_ns - self._origin_ns) * 1e-9

    def add(self, track_id: int, stamp_ns: int, keypoints: np.ndarray, layout: str) -> bool:
        """Buffer one person's keypoints (J, 3); False (and counted) if dropped."""
        cfg = self.config
        if track_id < 0:
            self.drops["untracked"] += 1
            return False
        kp = np.array(keypoints, dtype=np.float32, copy=True)
        known = KNOWN_LAYOUTS.get(layout)
        if kp.ndim != 2 or kp.shape[1] != 3 or (known and len(kp) != known.num_joints):
            self.drops["bad_shape"] += 1
            return False
        if layout != cfg.layout:
            if not can_convert(layout, cfg.layout):
                self.drops[f"layout_{layout}"] += 1
                return False
            kp = convert(kp, layout, cfg.layout)
        bad = ~np.all(np.isfinite(kp), axis=1)
        kp[bad] = 0.0
        kp[:, 2] = np.clip(kp[:, 2], 0.0, 1.0)
        if not np.any(kp[:, 2] > 0):
            self.drops["no_valid_joint"] += 1
            return False
        t = self._seconds(stamp_ns)
        person = self.people.setdefault(track_id, _Person())
        if person.stamps and t <= person.stamps[-1]:
            self.drops["out_of_order"] += 1
            return False
        if person.stamps and t - person.stamps[-1] > cfg.max_gap:
            self.drops["gap_reset"] += 1
            person.stamps.clear()
            person.frames.clear()
            person.last_classified = -np.inf
        person.stamps.append(t)
        person.frames.append(kp)
        while len(person.stamps) > self.max_frames or (
                len(person.stamps) > 2 and person.stamps[1] < t - cfg.span - 1.0 / cfg.rate_hz):
            person.stamps.popleft()
            person.frames.popleft()
        return True

    def ready(self) -> list[Window]:
        """Windows of every person due for classification (and mark them classified)."""
        cfg = self.config
        out = []
        for track_id, person in self.people.items():
            if len(person.stamps) < 2:
                continue
            end = person.stamps[-1]
            if end - person.stamps[0] < cfg.span - 0.5 / cfg.rate_hz:
                continue  # not a full window yet
            if end - person.last_classified < cfg.stride / cfg.rate_hz - 1e-6:
                continue
            times = end - (cfg.window - 1 - np.arange(cfg.window)) / cfg.rate_hz
            window = interpolate(np.asarray(person.stamps), np.stack(person.frames), times)
            person.last_classified = end
            if (window[..., 2] > 0).mean() < cfg.min_valid_joints:
                self.drops["too_few_joints"] += 1
                continue
            end_ns = self._origin_ns + round(end * 1e9)
            out.append(Window(track_id, window, end_ns - round(cfg.span * 1e9), end_ns))
        return out


def interpolate(stamps: np.ndarray, frames: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Keypoints at ``times``, linear between neighbours; a joint missing at either is missing."""
    idx = np.clip(np.searchsorted(stamps, times, side="right") - 1, 0, len(stamps) - 2)
    t0, t1 = stamps[idx], stamps[idx + 1]
    w = np.clip((times - t0) / np.maximum(t1 - t0, 1e-9), 0.0, 1.0)[:, None, None]
    a, b = frames[idx], frames[idx + 1]
    out = a * (1 - w) + b * w
    missing = (a[..., 2] <= 0) | (b[..., 2] <= 0)
    out[missing] = 0.0
    return out.astype(np.float32)
