"""Message rate and age over a sliding window, for diagnostics."""

from __future__ import annotations

import math
from collections import deque


class RateMeter:
    """Counts events; ``rate(now)`` is events per second over the last ``window`` s."""

    def __init__(self, window: float = 2.0):
        if window <= 0:
            raise ValueError("window must be > 0")
        self.window = window
        self._times: deque[float] = deque()
        self.count = 0

    def tick(self, now: float) -> None:
        self._times.append(now)
        self.count += 1
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self._times and self._times[0] < now - self.window:
            self._times.popleft()

    def rate(self, now: float) -> float:
        self._trim(now)
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0

    def age(self, now: float) -> float:
        return now - self._times[-1] if self._times else math.inf
