"""Pose backends: image in, people out. ``create_backend(name, ...)`` picks one by name."""

from __future__ import annotations

from .base import BackendError, PoseBackend

# Name -> keypoint layout it returns. yolo is an opt-in extra (`make yolo`, AGPL-3.0 weights).
BACKEND_LAYOUTS = {"movenet": "coco17", "yolo": "coco17"}


def create_backend(name: str, **options) -> PoseBackend:
    """Instantiate a backend; BackendError says what is missing for an unavailable one."""
    if name == "movenet":
        from .movenet import MoveNetBackend

        return MoveNetBackend(**options)
    if name == "yolo":
        from .yolo import YoloPoseBackend

        return YoloPoseBackend(**options)
    raise BackendError(f"unknown pose backend {name!r}; available: {list(BACKEND_LAYOUTS)}")


__all__ = ["BACKEND_LAYOUTS", "BackendError", "PoseBackend", "create_backend"]
