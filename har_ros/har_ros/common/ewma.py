"""An exponentially weighted mean of step times, the figure a node's diagnostics report."""

from __future__ import annotations


class Ewma:
    """Mean that weights the newest sample by ``weight``; the first sample is taken as it is."""

    def __init__(self, weight: float = 0.1):
        if not 0.0 < weight <= 1.0:
            raise ValueError(f"weight must be in (0, 1], got {weight}")
        self.weight = weight
        self.value = 0.0
        self.count = 0

    def add(self, sample: float) -> float:
        self.count += 1
        self.value = (
            sample if self.count == 1 else (1.0 - self.weight) * self.value + self.weight * sample
        )
        return self.value
