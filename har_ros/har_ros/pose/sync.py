"""Pair messages by nearest stamp (a small stand-in for message_filters' approximate sync).

The pose node keeps recent depth frames here and, for each colour frame,
takes the depth whose stamp is nearest, if within the tolerance. Colour never
waits for depth: without a match the frame is processed without 3D.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class NearestStampBuffer(Generic[T]):
    def __init__(self, tolerance_ns: int, capacity: int = 10):
        if tolerance_ns < 0 or capacity < 1:
            raise ValueError("tolerance must be >= 0 and capacity >= 1")
        self.tolerance_ns = tolerance_ns
        self._items: deque[tuple[int, T]] = deque(maxlen=capacity)

    def add(self, stamp_ns: int, item: T) -> None:
        self._items.append((stamp_ns, item))

    def nearest(self, stamp_ns: int) -> T | None:
        """The item nearest to ``stamp_ns`` within the tolerance, else None."""
        best = min(self._items, key=lambda pair: abs(pair[0] - stamp_ns), default=None)
        if best is None or abs(best[0] - stamp_ns) > self.tolerance_ns:
            return None
        return best[1]

    def __len__(self) -> int:
        return len(self._items)
