"""Geometry of the robot zone on the floor and of image-space zones (no ROS)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


def _as_polygon(points: ArrayLike) -> np.ndarray:
    poly = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(poly) < 3:
        raise ValueError(f"a polygon needs at least 3 points, got {len(poly)}")
    if not np.all(np.isfinite(poly)):
        raise ValueError("polygon points must be finite")
    return poly


def point_in_polygon(point: np.ndarray, polygon: np.ndarray) -> bool:
    """Even-odd rule; points on an edge may fall either side."""
    x, y = float(point[0]), float(point[1])
    inside = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def distance_to_segment(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = 0.0 if not np.any(ab) else float(np.clip(np.dot(point - a, ab) / np.dot(ab, ab), 0, 1))
    return float(np.linalg.norm(point - (a + t * ab)))


@dataclass(frozen=True)
class RobotZone:
    """The floor area the robot sweeps: a point, a circle or a polygon (metres).

    ``offset`` moves it, e.g. by a robot position received at run time.
    """

    kind: str  # "point", "circle" or "polygon"
    points: tuple[float, ...]  # flat x, y list: 1 point for point/circle, >= 3 for polygon
    radius: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ("point", "circle", "polygon"):
            raise ValueError(f"robot zone kind must be point, circle or polygon, not {self.kind!r}")
        if self.kind == "polygon":
            _as_polygon(self.points)
        elif len(self.points) != 2:
            raise ValueError(f"a {self.kind} zone needs exactly one x, y point")
        if not all(math.isfinite(v) for v in (*self.points, self.radius)):
            raise ValueError(
                f"robot zone points and radius must be finite: {self.points}, {self.radius}"
            )
        if self.radius < 0 or (self.kind == "circle" and self.radius == 0):
            raise ValueError(f"radius must be > 0 for a circle, >= 0 otherwise: {self.radius}")

    def distance(self, xy: ArrayLike, offset: ArrayLike = (0.0, 0.0)) -> float:
        """Floor distance from ``xy`` to the zone's edge; 0 inside it."""
        p = np.asarray(xy, dtype=np.float64)[:2] - np.asarray(offset, dtype=np.float64)
        if self.kind == "polygon":
            poly = _as_polygon(self.points)
            if point_in_polygon(p, poly):
                return 0.0
            return min(
                distance_to_segment(p, poly[i], poly[(i + 1) % len(poly)]) for i in range(len(poly))
            )
        centre = np.asarray(self.points, dtype=np.float64)
        return max(0.0, float(np.linalg.norm(p - centre)) - self.radius)


@dataclass(frozen=True)
class ImageZone:
    """A polygon in image pixels with the speed scale it allows (0 = stop)."""

    name: str
    polygon: tuple[float, ...]
    max_scale: float

    def __post_init__(self) -> None:
        _as_polygon(self.polygon)
        if not 0.0 <= self.max_scale <= 1.0:
            raise ValueError(f"image zone {self.name!r}: max_scale must be in [0, 1]")

    def contains(self, uv: ArrayLike) -> bool:
        return point_in_polygon(np.asarray(uv, dtype=np.float64), _as_polygon(self.polygon))


def image_anchor(bbox: tuple[float, float, float, float]) -> tuple[float, float]:
    """Bottom centre of a bounding box: where the person stands in the image."""
    x0, _, x1, y1 = bbox
    return (float(np.mean([x0, x1])), float(y1))
