"""Pose backends: image in, people out. ``create_backend(name, ...)`` picks one by name."""

from __future__ import annotations

from .base import BackendError, PoseBackend


def create_backend(name: str, **options) -> PoseBackend:
    """Instantiate a backend; BackendError says what is missing for an unavailable one."""
    if name == "movenet":
        from .movenet import MoveNetBackend

        return MoveNetBackend(**options)
    raise BackendError(f"unknown pose backend {name!r}; available: ['movenet']")


__all__ = ["BackendError", "PoseBackend", "create_backend"]
