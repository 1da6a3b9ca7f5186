"""What the demos draw: a virtual robot on the floor, its zones, people, and a legible speed panel.

The floor is known through a mapping floor (x, y) -> image pixel: the
inverse of a single camera's floor homography, or a calibrated camera's
projection of z = 0. The robot's protective ring (speed 0 inside) and
reduced-speed ring (full speed outside) are drawn where they lie on the
floor, so a viewer sees a person walk into them and the speed respond.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from ..safety.policy import SafetyState
from ..safety.zone_rings import ZoneRings

#: RGB per safety state (speed panel, nearest line).
STATE_RGB = {
    SafetyState.NORMAL: (40, 200, 60),
    SafetyState.REDUCED: (255, 170, 0),
    SafetyState.PROTECTIVE_STOP: (230, 30, 30),
    SafetyState.STARTUP: (150, 150, 150),
    SafetyState.FAULT: (220, 0, 220),
}
FloorToImage = Callable[[np.ndarray], np.ndarray]  # (N, 3) floor points -> (N, 2), NaN unseen


def homography_floor_to_image(image_to_floor: np.ndarray) -> FloorToImage:
    """The inverse of an image -> floor homography (whose w > 0 below the horizon).

    Floor points that map above the horizon (behind the camera) are NaN.
    """
    forward = np.asarray(image_to_floor, np.float64).reshape(3, 3)
    inverse = np.linalg.inv(forward)

    def project(points: np.ndarray) -> np.ndarray:
        uvw = np.column_stack([points[:, :2], np.ones(len(points))]) @ inverse.T
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = uvw[:, :2] / uvw[:, 2:3]
        w = (np.column_stack([uv, np.ones(len(uv))]) @ forward.T)[:, 2]
        uv[~(w > 0)] = np.nan
        return uv

    return project


def text_box(
    img: np.ndarray,
    text: str,
    org: tuple[int, int],
    scale: float = 0.55,
    fg=(255, 255, 255),
    bg=(0, 0, 0),
    thickness: int = 1,
    alpha: float = 0.65,
) -> None:
    """Text on a dark translucent box: readable on a bright sky as on grass."""
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    x = int(min(max(org[0], 3), img.shape[1] - w - 3))  # kept inside the image
    y = int(min(max(org[1], h + 4), img.shape[0] - base - 2))
    x0, y0 = max(0, x - 3), max(0, y - h - 4)
    x1, y1 = min(img.shape[1], x + w + 3), min(img.shape[0], y + base + 2)
    if x1 > x0 and y1 > y0:
        patch = img[y0:y1, x0:x1]
        img[y0:y1, x0:x1] = (patch * (1 - alpha) + np.array(bg) * alpha).astype(img.dtype)
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, fg, thickness, cv2.LINE_AA)


def _ring(
    img,
    project: FloorToImage,
    rings: ZoneRings,
    radius: float,
    rgb,
    alpha: float,
    outline: bool = True,
) -> None:
    if radius <= 0:
        return
    outline_xy = rings.circle(radius, 96)
    uv = project(np.column_stack([outline_xy, np.zeros(len(outline_xy))]))
    uv = uv[np.all(np.isfinite(uv), axis=1)]
    if len(uv) < 3:
        return
    # points near the horizon project far away: keep the polygon within a few image sizes
    h, w = img.shape[:2]
    uv = np.clip(uv, [-2 * w, -2 * h], [3 * w, 3 * h])
    poly = uv.round().astype(np.int32).reshape(-1, 1, 2)
    layer = img.copy()
    cv2.fillPoly(layer, [poly], rgb)
    img[:] = cv2.addWeighted(layer, alpha, img, 1 - alpha, 0)
    if outline:
        cv2.polylines(img, [poly], True, rgb, 2, cv2.LINE_AA)


@dataclass
class PersonView:
    track_id: int
    feet_uv: tuple[float, float] | None  # where the person stands in this image
    head_uv: tuple[float, float] | None  # where their text goes
    label: str = ""
    separation: float = float("nan")


def draw_robot_and_zones(img: np.ndarray, project: FloorToImage, rings: ZoneRings) -> None:
    """The reduced-speed and protective rings on the floor, and the robot standing at the centre."""
    _ring(img, project, rings, rings.reduced_radius, (255, 170, 0), 0.15)
    _ring(img, project, rings, rings.protective_radius, (230, 30, 30), 0.22)
    _ring(img, project, rings, max(rings.zone_radius, 0.05), (40, 90, 220), 0.6)
    base = project(np.array([[*rings.centre, 0.0]]))[0]
    top = project(np.array([[*rings.centre, 1.2]]))[0] if np.all(np.isfinite(base)) else base
    if np.all(np.isfinite(base)):
        height = max(12, int(abs(base[1] - top[1])) if np.all(np.isfinite(top)) else 40)
        x, y = int(base[0]), int(base[1])
        width = max(8, height // 3)
        cv2.rectangle(img, (x - width // 2, y - height), (x + width // 2, y), (40, 90, 220), -1)
        cv2.circle(img, (x, y - height), max(4, width // 2), (40, 90, 220), -1)
        text_box(img, "robot", (x - 20, y + 16), 0.45)


def draw_people_labels(
    img: np.ndarray,
    people: list[PersonView],
    nearest: int,
    robot_uv: np.ndarray,
    state: SafetyState,
) -> None:
    rgb = STATE_RGB.get(state, (255, 255, 255))
    for person in people:
        if (
            person.track_id == nearest
            and person.feet_uv is not None
            and np.all(np.isfinite(robot_uv))
        ):
            cv2.line(
                img,
                tuple(int(v) for v in robot_uv),
                tuple(int(v) for v in person.feet_uv),
                rgb,
                2,
                cv2.LINE_AA,
            )
        if person.head_uv is None:
            continue
        where = f"{person.separation:.1f} m" if np.isfinite(person.separation) else "? m"
        who = f"#{person.track_id}" if person.track_id >= 0 else "?"
        text = f"{who} {person.label} {where}".replace("  ", " ")
        text_box(img, text, (int(person.head_uv[0]) - 30, int(person.head_uv[1]) - 8), 0.45)


def draw_speed_panel(
    img: np.ndarray,
    scale: float,
    state: SafetyState,
    reason: str = "",
    origin: tuple[int, int] = (8, 8),
    width: int = 230,
) -> None:
    """A dark panel: the speed scale large, a bar, the state; colour by state."""
    rgb = STATE_RGB.get(state, (255, 255, 255))
    x, y = origin
    h = 62 if reason else 48
    x1, y1 = min(img.shape[1], x + width), min(img.shape[0], y + h)
    img[y:y1, x:x1] = (img[y:y1, x:x1] * 0.25).astype(img.dtype)
    cv2.putText(
        img,
        f"speed {scale:4.2f}",
        (x + 8, y + 24),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.7,
        rgb,
        2,
        cv2.LINE_AA,
    )
    cv2.putText(
        img,
        state.name.replace("_", " ").lower(),
        (x + 140, y + 22),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.42,
        rgb,
        1,
        cv2.LINE_AA,
    )
    cv2.rectangle(img, (x + 8, y + 32), (x + width - 8, y + 42), (80, 80, 80), -1)
    cv2.rectangle(
        img, (x + 8, y + 32), (x + 8 + int((width - 16) * min(max(scale, 0), 1)), y + 42), rgb, -1
    )
    if reason:
        cv2.putText(
            img,
            reason[: int(width / 6.2)],
            (x + 8, y + 56),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.36,
            (230, 230, 230),
            1,
            cv2.LINE_AA,
        )
