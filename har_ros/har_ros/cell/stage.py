"""Which cameras' frames make one instant, and which cameras cover the cell (ROS-free).

Cameras are not triggered together: each camera's newest skeletons are kept
(its ``time_offset`` added to the stamp), and one fusion step takes the
newest stamp of all as the instant and every camera whose newest frame is
within ``sync_tolerance`` of it. A step is only taken when some camera
delivered a frame newer than the last instant, so a stage whose cameras all
fell silent publishes nothing (silence, not "nobody there"). Pose nodes
finish a frame at different times, so a new instant waits up to
``sync_wait`` for the frames of it from every camera that is not silent,
and is taken at once when they are all there, so that the first camera to
answer does not take the step without the slower ones' people.

Each camera's last HISTORY frames are kept, so that an instant every camera
delivered is fused at once even when one camera is already a frame further:
the step takes the newest instant that is complete (every camera that is not
silent has a frame within ``sync_tolerance`` of it), else waits for the
newest as above; the fastest camera's next frame is never the only
candidate.

A camera is **live** for coverage only while its people went into a fusion
step within ``camera_timeout``: a camera that delivers on time but is always
out of sync, cannot be placed (no transform) or sends a layout fusion cannot
read is as blind to the cell as a silent one, and its reason says which.

A stamp more than ``max_future`` ahead of the node's clock is refused and
counted (one bad stamp must not hold every later frame back); a kept stamp
that the clock has fallen behind by as much (a clock jump back, a bag loop)
is forgotten, so fusion goes on with the frames stamped after the jump.
Each camera's clock offset (common/clock_offset.py) is measured from its
arrivals; a camera ahead by more than ``max_clock_offset`` is not live, one
behind by as much is named in its reason.

Unlike message_filters' ApproximateTimeSynchronizer, a missing camera never
holds the others back: losing a camera costs its view, not the output.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..common.clock_offset import ClockOffset

#: Frames kept per camera to find a complete instant in (newest last).
HISTORY = 4


@dataclass
class CameraSlot:
    stamp_ns: int | None = None  # offset applied
    frame: object = None
    received: int = 0  # frames kept as the camera's newest
    fused_frames: int = 0  # of those, the frames whose people went into a fusion step
    future_refused: int = 0  # frames stamped too far ahead of the clock
    fused_ns: int | None = None  # stamp of the newest frame whose people were fused
    left_out: str = ""  # why the newest instant went without this camera
    clock: ClockOffset = field(default_factory=ClockOffset)  # its stamps vs the node's clock
    # (stamp_ns, frame) of its newest frames
    history: deque[tuple[int, object]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    instant_ns: int | None = None  # stamp of its frame in the instant being fused

    def forget(self) -> None:
        self.stamp_ns, self.frame, self.fused_ns, self.left_out = None, None, None, ""
        self.history.clear()

    def nearest(self, stamp_ns: int, tolerance_ns: int) -> tuple[int, object] | None:
        """The kept (stamp, frame) nearest ``stamp_ns``, if within ``tolerance_ns``."""
        best = min(self.history, key=lambda kept: abs(kept[0] - stamp_ns), default=None)
        return best if best is not None and abs(best[0] - stamp_ns) <= tolerance_ns else None


@dataclass(frozen=True)
class Coverage:
    cameras: tuple[str, ...]
    live: tuple[bool, ...]
    age_s: tuple[float, ...]  # -1 = never seen
    reasons: tuple[str, ...] = ()  # "" for a live camera, else why it is not

    @property
    def silent(self) -> list[str]:
        return [c for c, ok in zip(self.cameras, self.live, strict=True) if not ok]

    def explained(self) -> list[str]:
        """``camera: reason`` for every camera that is not live."""
        return [
            f"{c}: {r}"
            for c, ok, r in zip(self.cameras, self.live, self.reasons, strict=True)
            if not ok
        ]


class FusionStage:
    def __init__(
        self,
        cameras: list[str],
        offsets_s: dict[str, float] | None,
        sync_tolerance: float,
        camera_timeout: float,
        max_future: float,
        sync_wait: float,
        max_clock_offset: float,
    ) -> None:
        """The limits have no defaults here: the fusion node's parameters hold them."""
        self.slots = {name: CameraSlot() for name in cameras}
        self.offsets_ns = {n: round((offsets_s or {}).get(n, 0.0) * 1e9) for n in cameras}
        self.last_instant_ns: int | None = None
        self._waiting_since_ns: int | None = None  # node time a new instant became due
        self.set_limits(sync_tolerance, camera_timeout, max_future, sync_wait, max_clock_offset)

    def set_limits(
        self,
        sync_tolerance: float,
        camera_timeout: float,
        max_future: float,
        sync_wait: float = 0.0,
        max_clock_offset: float = 0.25,
    ) -> None:
        self.tolerance_ns = round(sync_tolerance * 1e9)
        self.timeout_ns = round(camera_timeout * 1e9)
        self.max_future_ns = round(max_future * 1e9)
        self.wait_ns = round(sync_wait * 1e9)
        self.max_clock_offset = max_clock_offset

    @property
    def future_refused(self) -> int:
        return sum(s.future_refused for s in self.slots.values())

    def add(self, camera: str, stamp_ns: int, frame: object, now_ns: int | None = None) -> bool:
        """Keep ``frame`` as the camera's newest; False (ignored) if older than the kept one.

        With ``now_ns`` (the node's clock), a stamp too far in the future is
        refused, and a kept stamp the clock fell behind is forgotten first.
        """
        slot = self.slots[camera]
        stamp_ns += self.offsets_ns[camera]
        if now_ns is not None:
            if stamp_ns > now_ns + self.max_future_ns:
                slot.future_refused += 1
                return False
            slot.clock.add(now_ns * 1e-9, stamp_ns * 1e-9)  # a refused stamp says nothing
            self._forget_future(now_ns)
        if slot.stamp_ns is not None and stamp_ns <= slot.stamp_ns:
            return False
        slot.stamp_ns, slot.frame = stamp_ns, frame
        slot.history.append((stamp_ns, frame))
        slot.received += 1
        return True

    def _forget_future(self, now_ns: int) -> None:
        limit = now_ns + self.max_future_ns
        for slot in self.slots.values():
            if slot.stamp_ns is not None and slot.stamp_ns > limit:
                slot.forget()
        if self.last_instant_ns is not None and self.last_instant_ns > limit:
            self.last_instant_ns = None

    def instant(self, now_ns: int | None = None) -> tuple[int, dict[str, object]] | None:
        """(instant stamp, camera -> frame) for a new step, or None when nothing is new.

        The cameras left out as out of sync are noted for coverage; the caller
        reports each camera it fused (:meth:`fused`) or could not (:meth:`left_out`).
        """
        if now_ns is not None:
            self._forget_future(now_ns)
        live: dict[str, int] = {}  # camera -> newest stamp, of those that may make an instant
        for name, slot in self.slots.items():
            ahead, why = self._clock_note(name, now_ns) if now_ns is not None else (False, "")
            if ahead:  # a clock ahead would set the instant
                self.left_out(name, why)
            elif slot.stamp_ns is not None:
                live[name] = slot.stamp_ns
        if not live:
            return None
        newest = max(live.values())
        if self.last_instant_ns is not None and newest <= self.last_instant_ns:
            return None
        instant = self._newest_complete(live, now_ns)
        if instant is None:
            if now_ns is not None and self.wait_ns:
                if self._waiting_since_ns is None or now_ns < self._waiting_since_ns:
                    self._waiting_since_ns = now_ns  # a clock jump back restarts the wait
                if now_ns - self._waiting_since_ns < self.wait_ns:
                    return None
            instant = newest
        if instant == newest:
            self._waiting_since_ns = None
        self.last_instant_ns = instant
        frames = {}
        for name, stamp_ns in live.items():
            slot = self.slots[name]
            kept = slot.nearest(instant, self.tolerance_ns)
            slot.instant_ns = kept[0] if kept is not None else None
            if kept is not None:
                frames[name] = kept[1]
            else:
                behind_ns = instant - stamp_ns
                self.left_out(
                    name,
                    f"out of sync: {behind_ns * 1e-6:.0f} ms behind the "
                    f"instant (sync_tolerance {self.tolerance_ns * 1e-6:.0f} ms)"
                    + self._leaders_note(now_ns),
                )
        return instant, frames

    def _leaders_note(self, now_ns: int | None) -> str:
        """Names the cameras whose stamps lead the clock: they set the instant.

        Within max_clock_offset such a camera stays live and the correctly
        stamped ones fall out of sync: fusion then fails safe (coverage caps the
        speed) until the clocks agree or the cell file's time_offset corrects it.
        """
        if now_ns is None:
            return ""
        leads = {
            c: -o
            for c in self.slots
            if (o := self.clock_offset(c, now_ns)) is not None and -o > self.tolerance_ns * 1e-9
        }
        return "".join(
            f"; {c}'s stamps lead the clock by {lead:.2f} s (its time_offset in "
            "the cell file, or chrony/PTP)"
            for c, lead in sorted(leads.items())
        )

    def _newest_complete(self, live: dict[str, int], now_ns: int | None) -> int | None:
        """The newest stamp after the last instant that every camera not silent has a frame of.

        Without a clock (``now_ns`` None) every camera counts as not silent.
        """
        waited_for = [
            self.slots[name]
            for name, stamp_ns in live.items()
            if now_ns is None or now_ns - stamp_ns <= self.timeout_ns
        ]
        candidates = sorted(
            {
                stamp
                for s in waited_for
                for stamp, _ in s.history
                if self.last_instant_ns is None or stamp > self.last_instant_ns
            },
            reverse=True,
        )
        for stamp in candidates:
            if all(s.nearest(stamp, self.tolerance_ns) is not None for s in waited_for):
                return stamp
        return None

    def fused(self, camera: str) -> None:
        """The camera's frame of the last instant went into the fusion step."""
        slot = self.slots[camera]
        used = slot.instant_ns if slot.instant_ns is not None else slot.stamp_ns
        if slot.fused_ns != used:  # one frame may serve two instants
            slot.fused_frames += 1
        slot.fused_ns, slot.left_out = used, ""

    def left_out(self, camera: str, reason: str) -> None:
        """The camera's frame could not be fused in the last instant; ``reason`` says why."""
        self.slots[camera].left_out = reason

    def clock_offset(self, camera: str, now_ns: int) -> float | None:
        """The camera's clock offset estimate in s (positive: its stamps lag); None if unknown."""
        return self.slots[camera].clock.value(now_ns * 1e-9)

    def _clock_note(self, camera: str, now_ns: int) -> tuple[bool, str]:
        """(ahead, why) for a camera off by more than ``max_clock_offset``, else (False, "").

        Ahead is the dangerous direction: such a camera is not live. Behind is
        only named (its frames are out of sync with the others' anyway, and a
        slow pose node looks the same).
        """
        offset = self.clock_offset(camera, now_ns)
        if offset is None or abs(offset) <= self.max_clock_offset:
            return False, ""
        return offset < 0, (
            f"clock offset: stamps {'lead' if offset < 0 else 'lag'} the "
            f"node's clock by {abs(offset):.2f} s (max_clock_offset "
            f"{self.max_clock_offset:.2f} s); synchronise the computers' "
            "clocks (chrony/PTP)"
        )

    def coverage(self, now_ns: int) -> Coverage:
        names, live, ages, reasons = [], [], [], []
        timeout_s = self.timeout_ns * 1e-9
        for name, s in self.slots.items():
            names.append(name)
            ages.append(-1.0 if s.stamp_ns is None else (now_ns - s.stamp_ns) * 1e-9)
            ahead, clock_note = self._clock_note(name, now_ns)
            if ahead:
                reason = clock_note
            elif s.stamp_ns is None:
                reason = "no skeletons received"
            elif now_ns - s.stamp_ns > self.timeout_ns:
                reason = (
                    f"silent: newest skeletons {ages[-1]:.2f} s old (camera_timeout "
                    f"{timeout_s:.2f} s)"
                )
            elif s.fused_ns is None or now_ns - s.fused_ns > self.timeout_ns:
                reason = f"not fused for {timeout_s:.2f} s: {s.left_out or 'no step yet'}"
            else:
                reason = ""
            if reason and clock_note and not ahead:
                reason = f"{reason} ({clock_note})"
            live.append(not reason)
            reasons.append(reason)
        return Coverage(tuple(names), tuple(live), tuple(ages), tuple(reasons))
