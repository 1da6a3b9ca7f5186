"""Skeletons, ids and labels drawn on an image (debug image, demo video)."""

from __future__ import annotations

import cv2
import numpy as np

from ..skeleton.layouts import KNOWN_LAYOUTS
from ..skeleton.types import Person

_COLOURS = [
    (230, 25, 75),
    (60, 180, 75),
    (255, 225, 25),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
]


def colour_for(track_id: int) -> tuple[int, int, int]:
    return (200, 200, 200) if track_id < 0 else _COLOURS[track_id % len(_COLOURS)]


def draw_people(
    rgb: np.ndarray,
    people: list[Person],
    labels: dict[int, str] | None = None,
    min_score: float = 0.3,
) -> np.ndarray:
    """A copy of ``rgb`` with every person's bones, box and id (and label)."""
    out = rgb.copy()
    for person in people:
        colour = colour_for(person.track_id)
        layout = KNOWN_LAYOUTS.get(person.layout)
        kp = person.keypoints
        for a, b in layout.bones if layout else ():
            if kp[a, 2] >= min_score and kp[b, 2] >= min_score:
                cv2.line(
                    out,
                    (int(kp[a, 0]), int(kp[a, 1])),
                    (int(kp[b, 0]), int(kp[b, 1])),
                    colour,
                    2,
                    cv2.LINE_AA,
                )
        x0, y0, x1, y1 = (int(v) for v in person.bbox)
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, 1)
        text = f"#{person.track_id}" if person.track_id >= 0 else "?"
        if labels and person.track_id in labels:
            text += f" {labels[person.track_id]}"
        cv2.putText(
            out, text, (x0, max(12, y0 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA
        )
    return out
