"""``--profile``: CPU ms per frame, per process and per stage, over a bench's window.

Each node counts its stages' thread CPU (common/stage_cpu) and reports the
totals in /diagnostics; this probe reads them at the start and the end of
the window, and the process's whole CPU time from /proc over the same
window. Per frame = the difference over the frames the node counted; what
the process used beyond its stages is "executor and other" (rclpy's receive
and deserialisation in C, timers, the GIL hand-over between threads).
"""

from __future__ import annotations

from ..common.process_stats import cpu_seconds
from ..common.stage_cpu import per_frame_ms

OTHER = "executor and other"


def status_values(status) -> dict[str, float]:
    """A DiagnosticStatus's numeric values."""
    values = {}
    for kv in status.values:
        try:
            values[kv.key] = float(kv.value)
        except ValueError:
            continue
    return values


class ProfileProbe:
    """Latest /diagnostics values per status name, and CPU windows per process."""

    def __init__(self, node, statuses: dict[str, str], pids: dict[str, int]):
        """``statuses``: process name -> the status name its node reports under."""
        from diagnostic_msgs.msg import DiagnosticArray

        from ..ros import qos

        self._statuses, self._pids = statuses, pids
        self._names = {status: name for name, status in statuses.items()}  # status -> process
        self._latest: dict[str, dict[str, float]] = {}
        self._start: dict[str, dict[str, float]] = {}
        self._cpu_start: dict[str, float] = {}
        self.messages: dict[str, set[str]] = {}  # process name -> status messages since start
        node.create_subscription(DiagnosticArray, "/diagnostics", self._on_diagnostics, qos.DEFAULT)

    def _on_diagnostics(self, msg) -> None:
        names = self._names
        for status in msg.status:
            self._latest[status.name] = status_values(status)
            if self._start and status.name in names:
                self.messages.setdefault(names[status.name], set()).add(status.message)

    def ready(self) -> bool:
        """Every profiled node has reported stage totals."""
        return all("cpu_frames" in self._latest.get(s, {}) for s in self._statuses.values())

    def start(self) -> None:
        self._start = {name: dict(self._latest[status]) for name, status in self._statuses.items()}
        self._cpu_start = {name: cpu_seconds(pid) for name, pid in self._pids.items()}

    def change(self, key: str) -> dict[str, float]:
        """How much each process's counter ``key`` grew since :meth:`start`."""
        return {
            name: self._latest[status].get(key, 0.0) - self._start[name].get(key, 0.0)
            for name, status in self._statuses.items()
        }

    def rows(self, bench: str, of: str = "") -> list[dict]:
        """One row per process stage: CPU ms per frame and its share of the process's CPU.

        ``of``: the case profiled, where a bench profiles several.
        """
        rows = []
        for name, status in self._statuses.items():
            before, after = self._start[name], self._latest[status]
            frames = after["cpu_frames"] - before["cpu_frames"]
            stages = per_frame_ms(before, after)
            if frames <= 0:
                continue
            total = (cpu_seconds(self._pids[name]) - self._cpu_start[name]) * 1000 / frames
            stages[OTHER] = max(total - sum(stages.values()), 0.0)
            for stage, ms in sorted(stages.items(), key=lambda kv: -kv[1]):
                rows.append(
                    {
                        "bench": bench,
                        "case": f"profile {name}: {stage}",
                        "of": of,
                        "cpu_ms_per_frame": round(ms, 3),
                        "share_percent": round(100 * ms / total, 1) if total else 0.0,
                        "frames": int(frames),
                    }
                )
            rows.append(
                {
                    "bench": bench,
                    "case": f"profile {name}: process total",
                    "of": of,
                    "cpu_ms_per_frame": round(total, 3),
                    "share_percent": 100.0,
                    "frames": int(frames),
                }
            )
        return rows
