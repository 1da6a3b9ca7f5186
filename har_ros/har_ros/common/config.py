"""Config dataclass fields that double as ROS parameters (kept ROS-free).

A node's config is a frozen dataclass of ``param(...)`` fields with a
``validate()`` that raises ValueError with the reason; the node binds it with
``har_ros.ros.parameters.ParameterBinding``.
"""

from __future__ import annotations

import dataclasses
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
