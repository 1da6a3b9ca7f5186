"""What both demos record from the running nodes: actions and speed on the video's time axis."""

from __future__ import annotations

from ..ros.stamps import stamp_to_ns


class DemoRecording:
    """Labels per track, the action timeline, speed decisions; seconds since the first stamp."""

    def __init__(self):
        self.labels: dict[int, str] = {}
        self.timeline: list[tuple[float, int, str]] = []  # (video s, track, label)
        self.speed: list[tuple[float, float, int]] = []  # (video s, scale, state)
        self.status = None
        self.class_names: list[str] = []
        self.t0: int | None = None

    def seconds(self, stamp_ns: int) -> float:
        if self.t0 is None:
            self.t0 = stamp_ns
        return (stamp_ns - self.t0) * 1e-9

    def on_actions(self, msg) -> None:
        self.class_names = list(msg.class_names)
        t = self.seconds(stamp_to_ns(msg.header.stamp))
        for a in msg.actions:
            self.labels[a.track_id] = f"{a.label} {a.confidence:.2f}"
            self.timeline.append((t, a.track_id, a.label))

    def on_status(self, msg) -> None:
        self.status = msg
        stamp = stamp_to_ns(msg.skeletons_stamp)
        if stamp and self.t0 is not None:
            self.speed.append((self.seconds(stamp), float(msg.speed_scale), int(msg.state)))
