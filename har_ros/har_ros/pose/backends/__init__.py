"""Pose backends: image in, people out. ``create_backend(name, ...)`` picks one by name.

Each backend imports its inference runtime only when constructed, so this
registry (and config validation, which needs each backend's layout) stays
cheap and works without the opt-in extras installed.
"""

from __future__ import annotations

from .base import BackendError, PoseBackend
from .movenet import MoveNetBackend
from .yolo import YoloPoseBackend

# yolo is an opt-in extra (`make yolo`, AGPL-3.0 weights).
BACKENDS: dict[str, type[PoseBackend]] = {"movenet": MoveNetBackend, "yolo": YoloPoseBackend}
# Name -> the keypoint layout the backend returns.
BACKEND_LAYOUTS = {name: backend.layout for name, backend in BACKENDS.items()}


def create_backend(name: str, **options) -> PoseBackend:
    """Instantiate a backend; BackendError says what is missing for an unavailable one."""
    if name not in BACKENDS:
        raise BackendError(f"unknown pose backend {name!r}; available: {list(BACKENDS)}")
    return BACKENDS[name](**options)


__all__ = ["BACKENDS", "BACKEND_LAYOUTS", "BackendError", "PoseBackend", "create_backend"]
