"""Summary statistics for benchmark samples."""

from __future__ import annotations

import numpy as np


def summarise(samples_s: list[float]) -> dict[str, float]:
    """Median, p99 and max in milliseconds, and the sample count."""
    values = np.asarray(samples_s, dtype=np.float64) * 1000.0
    if values.size == 0:
        return {"n": 0, "median_ms": float("nan"), "p99_ms": float("nan"), "max_ms": float("nan")}
    return {
        "n": int(values.size),
        "median_ms": float(np.median(values)),
        "p99_ms": float(np.percentile(values, 99)),
        "max_ms": float(values.max()),
    }
