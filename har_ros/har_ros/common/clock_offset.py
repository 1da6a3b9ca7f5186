"""How far a source's clock is from the node's: arrival minus header stamp, least over a window.

A message can only arrive after it was stamped, so on one clock ``arrival -
stamp`` is never below the least delay (transport, and for skeletons the pose
stage). The minimum over a sliding window is therefore the source's clock
offset plus that least delay, as NTP-style filters estimate it: positive when
the source's stamps lag the node's clock, negative when they lead it. A clock
that drifts moves the minimum with it, within one window.
"""

from __future__ import annotations

import math
from collections import deque

WINDOW_S = 2.0  # s of arrivals the minimum is taken over: a clock step is seen within it


class ClockOffset:
    """Sliding-window minimum of ``arrival - stamp`` (both on the node's clock, s)."""

    def __init__(self, window: float = WINDOW_S):
        self.window = window
        self._candidates: deque[tuple[float, float]] = deque()  # (arrival, delay), delay rising
        self._last_arrival: float | None = None

    def add(self, arrival: float, stamp: float) -> None:
        if not (math.isfinite(arrival) and math.isfinite(stamp)):
            return
        if self._last_arrival is not None and arrival < self._last_arrival:
            self.clear()  # the node's clock jumped back (bag loop, sim time reset)
        self._last_arrival = arrival
        delay = arrival - stamp
        while self._candidates and self._candidates[-1][1] >= delay:
            self._candidates.pop()  # never the minimum again: older and not smaller
        self._candidates.append((arrival, delay))
        self._expire(arrival)

    def value(self, now: float | None = None) -> float | None:
        """The offset estimate at ``now`` (node clock, s); None without a sample in the window."""
        if now is not None:
            self._expire(now)
        return self._candidates[0][1] if self._candidates else None

    def clear(self) -> None:
        self._candidates.clear()
        self._last_arrival = None

    def _expire(self, now: float) -> None:
        while self._candidates and self._candidates[0][0] < now - self.window:
            self._candidates.popleft()
