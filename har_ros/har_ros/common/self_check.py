"""Start-up and running self-checks: set-up mistakes named before they cost a shift.

The mistakes that cost integrators most are silent ones: a camera_info of
zeros, depth in millimetres read as metres, a TF frame spelled differently,
a camera that delivers 5 fps where 30 were meant. Each check returns the
problem in words or None; a node keeps them in a SelfCheck and shows them in
/diagnostics (WARN) until they are gone.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

#: People stand between these distances from a camera; a median outside is a unit mistake.
PLAUSIBLE_DEPTH_M = (0.2, 20.0)
#: An input below this share of its expected rate is named.
RATE_SHARE = 0.5
#: A node processing under this share of the frames it receives is named as overloaded.
PROCESSED_SHARE = 0.8


def camera_info_problem(k: Iterable[float]) -> str | None:
    """A camera_info whose K cannot be intrinsics (all zeros, non-finite, fx or fy <= 0)."""
    k = np.asarray(list(k), dtype=np.float64)
    if k.size != 9 or not np.all(np.isfinite(k)):
        return "camera_info K is not 9 finite numbers"
    if not np.any(k):
        return (
            "camera_info K is all zeros (the camera is not calibrated, or the driver "
            "publishes an empty camera_info)"
        )
    if k[0] <= 0 or k[4] <= 0:
        return f"camera_info K has fx {k[0]:g}, fy {k[4]:g}: both must be > 0"
    return None


def depth_units_problem(person_depths_m: Iterable[float]) -> str | None:
    """People's depths whose median is no distance a person stands at: wrong units."""
    depths = np.asarray([d for d in person_depths_m if np.isfinite(d)], dtype=np.float64)
    if depths.size == 0:
        return None
    median = float(np.median(depths))
    low, high = PLAUSIBLE_DEPTH_M
    if median < low:
        return (
            f"median depth of people {median:.3g} m < {low} m: depth units wrong "
            "(metres read as millimetres?) or depth not aligned with colour"
        )
    if median > high:
        return (
            f"median depth of people {median:.3g} m > {high} m: depth units wrong "
            "(millimetres as 32FC1 metres?)"
        )
    return None


def rate_problem(name: str, rate_hz: float, expected_hz: float) -> str | None:
    """An input arriving at under RATE_SHARE of its expected rate (0 expected: no check)."""
    if expected_hz <= 0 or rate_hz >= RATE_SHARE * expected_hz:
        return None
    return f"{name} at {rate_hz:.1f} Hz, expected {expected_hz:g} Hz"


def overload_problem(received_hz: float, processed_hz: float) -> str | None:
    """Frames processed at under PROCESSED_SHARE of their arrival rate: the CPU is short."""
    if received_hz <= 0 or processed_hz >= PROCESSED_SHARE * received_hz:
        return None
    return (
        f"overloaded: processing {processed_hz:.1f} of {received_hz:.1f} frames/s "
        "(the newest frame is taken, the others dropped)"
    )


class SelfCheck:
    """The current problem per check; a check that passes clears its problem."""

    def __init__(self) -> None:
        self._problems: dict[str, str] = {}

    def set(self, check: str, problem: str | None) -> None:
        if problem is None:
            self._problems.pop(check, None)
        else:
            self._problems[check] = problem

    @property
    def problems(self) -> list[str]:
        return list(self._problems.values())

    def summary(self) -> str:
        """'' when all is well, else the problems joined for a diagnostics message."""
        return "; ".join(self._problems.values())
