"""Robot zone distances and image zones."""

import pytest

from har_ros.safety.zones import ImageZone, RobotZone


def test_point_circle_and_polygon_distances():
    assert RobotZone("point", (1.0, 1.0)).distance((4.0, 5.0)) == pytest.approx(5.0)
    circle = RobotZone("circle", (0.0, 0.0), radius=0.5)
    assert circle.distance((2.0, 0.0)) == pytest.approx(1.5)
    assert circle.distance((0.1, 0.1)) == 0.0
    square = RobotZone("polygon", (0, 0, 1, 0, 1, 1, 0, 1))
    assert square.distance((0.5, 0.5)) == 0.0
    assert square.distance((3.0, 0.5)) == pytest.approx(2.0)
    assert square.distance((2.0, 2.0)) == pytest.approx(2**0.5)


def test_offset_moves_the_zone():
    zone = RobotZone("point", (0.0, 0.0))
    assert zone.distance((3.0, 0.0), offset=(1.0, 0.0)) == pytest.approx(2.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kind": "box", "points": (0, 0)}, "point, circle or polygon"),
        ({"kind": "polygon", "points": (0, 0, 1, 1)}, "at least 3"),
        ({"kind": "circle", "points": (0, 0), "radius": 0.0}, "radius"),
        ({"kind": "point", "points": (0, 0, 1, 1)}, "exactly one"),
    ],
)
def test_bad_zones_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RobotZone(**kwargs)


def test_image_zone_contains():
    zone = ImageZone("near", (100, 300, 500, 300, 500, 480, 100, 480), 0.0)
    assert zone.contains((300, 400))
    assert not zone.contains((300, 200))
    with pytest.raises(ValueError, match="max_scale"):
        ImageZone("x", (0, 0, 1, 0, 1, 1), 1.5)
