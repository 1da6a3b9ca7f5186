"""Which cameras' frames make one instant, and which cameras are silent (ROS-free).

Cameras are not triggered together: each camera's newest skeletons are kept
(its ``time_offset`` added to the stamp), and one fusion step takes the
newest stamp of all as the instant and every camera whose newest frame is
within ``sync_tolerance`` of it. A camera whose newest frame is older than
``camera_timeout`` (by the node clock) is silent. A step is only taken when
some camera delivered a frame newer than the last instant, so a stage whose
cameras all fell silent publishes nothing (silence, not "nobody there").

Unlike message_filters' ApproximateTimeSynchronizer, a missing camera never
holds the others back: losing a camera costs its view, not the output.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CameraSlot:
    stamp_ns: int | None = None  # offset applied
    frame: object = None
    received: int = 0


@dataclass(frozen=True)
class Coverage:
    cameras: tuple[str, ...]
    live: tuple[bool, ...]
    age_s: tuple[float, ...]  # -1 = never seen

    @property
    def silent(self) -> list[str]:
        return [c for c, ok in zip(self.cameras, self.live, strict=True) if not ok]


class FusionStage:
    def __init__(self, cameras: list[str], offsets_s: dict[str, float] | None = None,
                 sync_tolerance: float = 0.04, camera_timeout: float = 0.5):
        self.slots = {name: CameraSlot() for name in cameras}
        self.offsets_ns = {n: round((offsets_s or {}).get(n, 0.0) * 1e9) for n in cameras}
        self.tolerance_ns = round(sync_tolerance * 1e9)
        self.timeout_ns = round(camera_timeout * 1e9)
        self.last_instant_ns: int | None = None

    def add(self, camera: str, stamp_ns: int, frame) -> bool:
        """Keep ``frame`` as the camera's newest; False (ignored) if older than the kept one."""
        slot = self.slots[camera]
        stamp_ns += self.offsets_ns[camera]
        if slot.stamp_ns is not None and stamp_ns <= slot.stamp_ns:
            return False
        slot.stamp_ns, slot.frame = stamp_ns, frame
        slot.received += 1
        return True

    def instant(self) -> tuple[int, dict[str, object]] | None:
        """(instant stamp, camera -> frame) for a new step, or None when nothing is new."""
        stamps = [s.stamp_ns for s in self.slots.values() if s.stamp_ns is not None]
        if not stamps:
            return None
        newest = max(stamps)
        if self.last_instant_ns is not None and newest <= self.last_instant_ns:
            return None
        self.last_instant_ns = newest
        return newest, {name: slot.frame for name, slot in self.slots.items()
                        if slot.stamp_ns is not None and
                        newest - slot.stamp_ns <= self.tolerance_ns}

    def coverage(self, now_ns: int) -> Coverage:
        names = tuple(self.slots)
        ages = tuple(-1.0 if s.stamp_ns is None else (now_ns - s.stamp_ns) * 1e-9
                     for s in self.slots.values())
        live = tuple(s.stamp_ns is not None and now_ns - s.stamp_ns <= self.timeout_ns
                     for s in self.slots.values())
        return Coverage(names, live, ages)
