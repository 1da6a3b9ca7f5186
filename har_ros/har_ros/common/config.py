"""Config dataclass fields that double as ROS parameters (kept ROS-free).

A node's config is a frozen dataclass of ``param(...)`` fields with a
``validate()`` that raises ValueError with the reason; the node binds it with
``har_ros.ros.parameters.ParameterBinding``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any


def param(default: Any, description: str, read_only: bool = False) -> Any:
    """A config field that is also a ROS parameter (``description`` says unit and meaning)."""
    return dataclasses.field(default=default, metadata={"description": description,
                                                        "read_only": read_only})


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
