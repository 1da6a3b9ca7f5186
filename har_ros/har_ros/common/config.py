"""Config dataclass fields that double as ROS parameters (kept ROS-free).

A node's config is a frozen dataclass of ``param(...)`` fields with a
``validate()`` that raises ValueError with the reason; the node binds it with
``har_ros.ros.parameters.ParameterBinding``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any


def param(
    default: Any,
    description: str,
    read_only: bool = False,
    limits: tuple[float, float] | None = None,
) -> Any:
    """A config field that is also a ROS parameter (``description`` says unit and meaning).

    ``limits`` (low, high) is the closed range a number must lie in: each
    duration and rate has an upper bound that means something, so that a
    finite but absurd value (1e300 s) is refused before any code converts it
    (to nanoseconds, a timer period). ROS shows and enforces it as the
    parameter's range; :func:`require_within_limits` checks it without ROS.
    """
    return dataclasses.field(
        default=default,
        metadata={"description": description, "read_only": read_only, "limits": limits},
    )


def parameter_names(config_cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(config_cls)]


def require(condition: bool, message: str) -> None:
    """Raise ValueError(message) unless ``condition`` holds."""
    if not condition:
        raise ValueError(message)


def require_finite(config: Any, names: tuple[str, ...] | None = None) -> None:
    """ValueError naming the first float (or float list) field of ``config`` that is NaN or ±inf.

    Every number here bounds something (a timeout, a rate, a zone), and an
    infinite timeout or a NaN radius would pass an ordinary range check.
    ``names`` limits the check to those fields.
    """
    for f in dataclasses.fields(config):
        if names is not None and f.name not in names:
            continue
        value = getattr(config, f.name)
        values = value if isinstance(value, (tuple, list)) else (value,)
        for v in values:
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"{f.name} must be finite, got {value}")


def require_within_limits(config: Any) -> None:
    """ValueError naming the first number field of ``config`` outside its ``limits``."""
    for f in dataclasses.fields(config):
        limits = f.metadata.get("limits")
        value = getattr(config, f.name)
        if limits is not None and not limits[0] <= value <= limits[1]:
            raise ValueError(f"{f.name} must be in [{limits[0]:g}, {limits[1]:g}], got {value}")
