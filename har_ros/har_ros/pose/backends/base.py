"""The interface every pose backend implements."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ...skeleton.types import Person


class BackendError(RuntimeError):
    """A backend cannot be created (missing package, missing or corrupt model file)."""


class PoseBackend(Protocol):
    name: str
    layout: str  # layout of the keypoints it returns

    def infer(self, rgb: np.ndarray) -> list[Person]:
        """People in an 8-bit RGB image (H, W, 3); keypoints in pixels of that image."""
        ...
