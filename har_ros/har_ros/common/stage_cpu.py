"""CPU time per stage of a node's work, measured on the thread that does the work.

``time.thread_time_ns`` counts only the calling thread's CPU, so an inference
thread's stages are not inflated by the executor thread beside it; a stage
whose work runs on a thread pool (the backend's inference) is timed on the
process clock instead. Totals are
cumulative (ms) and go into the node's /diagnostics; a profiler takes the
difference over its window and divides by the frames counted in it, and what
the process used beyond the stages' sum is the executor's (receive,
deserialise in rclpy's C layer, timers).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class StageCpu:
    """Cumulative CPU ns per stage and the number of frames (units of work) done."""

    def __init__(self) -> None:
        self._ns: dict[str, int] = {}
        self.frames = 0

    @contextmanager
    def stage(self, name: str, whole_process: bool = False) -> Iterator[None]:
        """Time the block; ``whole_process``: a thread pool's work (and others' meanwhile)."""
        clock = time.process_time_ns if whole_process else time.thread_time_ns
        started = clock()
        try:
            yield
        finally:
            self._ns[name] = self._ns.get(name, 0) + clock() - started

    def frame_done(self) -> None:
        self.frames += 1

    def diagnostic_values(self) -> dict[str, float]:
        """``cpu_ms_<stage>`` totals and ``cpu_frames``, for /diagnostics."""
        return {
            "cpu_frames": self.frames,
            **{f"cpu_ms_{name}": round(ns / 1e6, 3) for name, ns in self._ns.items()},
        }


def per_frame_ms(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU ms per frame of each stage between two diagnostic_values() readings."""
    frames = after.get("cpu_frames", 0) - before.get("cpu_frames", 0)
    if frames <= 0:
        return {}
    return {
        key.removeprefix("cpu_ms_"): (after[key] - before.get(key, 0.0)) / frames
        for key in after
        if key.startswith("cpu_ms_")
    }
