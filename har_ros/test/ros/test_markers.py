"""safety/markers content: zones, skeletons, texts, nearest line, colours by state."""

import numpy as np
from std_msgs.msg import Header
from visualization_msgs.msg import Marker

from har_ros.ros.markers import STATE_COLOURS, PersonMarker, safety_markers
from har_ros.safety.policy import SafetyState
from har_ros.safety.zone_rings import ZoneRings
from har_ros.skeleton.layouts import get_layout

BONES = list(get_layout("coco17").bones)


def _joints(x, y):
    kp = np.zeros((17, 3))
    kp[:, 0], kp[:, 1], kp[:, 2] = x, y, np.linspace(1.7, 0.1, 17)
    return kp


def test_markers_for_two_people_in_the_cell_frame():
    rings = ZoneRings((1.5, 1.5), 0.4, 1.85, 2.6)
    hidden = _joints(0.0, 0.0)
    hidden[3] = np.nan  # an unknown joint: its bones are left out
    people = [
        PersonMarker(1, (0.0, 0.0), hidden, "opening_door", 0.82, 1.72),
        PersonMarker(2, (-1.0, 0.0), None, "", 0.0, float("nan")),
    ]
    array = safety_markers(
        Header(frame_id="cell"), SafetyState.REDUCED, 0.45, rings, people, BONES, nearest_track_id=1
    )
    markers = array.markers
    assert markers[0].action == Marker.DELETEALL
    assert all(m.header.frame_id == "cell" for m in markers)
    rings_drawn = [m for m in markers if m.ns == "zones"]
    assert [m.text for m in rings_drawn] == ["robot zone", "protective", "reduced speed"]
    protective = rings_drawn[1]
    radii = [np.hypot(p.x - 1.5, p.y - 1.5) for p in protective.points]
    assert np.allclose(radii, 1.85)
    (skeleton,) = [m for m in markers if m.ns == "skeletons"]
    assert skeleton.id == 1 and skeleton.type == Marker.LINE_LIST
    drawn = len([b for b in BONES if 3 not in b])
    assert len(skeleton.points) == 2 * drawn
    amber = STATE_COLOURS[SafetyState.REDUCED]
    assert (skeleton.color.r, skeleton.color.g, skeleton.color.b) == tuple(
        np.float32(v) for v in amber
    )
    texts = {m.id: m.text for m in markers if m.ns == "people"}
    assert texts == {1: "#1 opening_door 0.82 1.72 m", 2: "#2 action ? ? m"}
    (nearest,) = [m for m in markers if m.ns == "nearest"]
    assert [(p.x, p.y) for p in nearest.points] == [(1.5, 1.5), (0.0, 0.0)]
    (state,) = [m for m in markers if m.ns == "state"]
    assert state.text == "robot reduced: speed 0.45"


def test_a_stop_is_red():
    rings = ZoneRings((0.0, 0.0), 0.0, 1.0, 2.0)
    array = safety_markers(
        Header(frame_id="cell"),
        SafetyState.PROTECTIVE_STOP,
        0.0,
        rings,
        [PersonMarker(4, (0.5, 0.0), _joints(0.5, 0.0), "waiting", 0.9, 0.3)],
        BONES,
        4,
    )
    assert [m.text for m in array.markers if m.ns == "zones"] == ["protective", "reduced speed"]
    (skeleton,) = [m for m in array.markers if m.ns == "skeletons"]
    assert skeleton.color.r > 0.8 and skeleton.color.g < 0.2


def test_bones_beyond_a_short_skeleton_are_left_out():
    """Found and fixed: a 5-joint skeleton indexed with coco17's bones ended the safety node."""
    rings = ZoneRings((0.0, 0.0), 0.0, 1.0, 2.0)
    short = _joints(0.5, 0.0)[:5]
    array = safety_markers(
        Header(frame_id="cell"),
        SafetyState.NORMAL,
        1.0,
        rings,
        [PersonMarker(4, (0.5, 0.0), short, "waiting", 0.9, 0.3)],
        BONES,
        4,
    )
    (skeleton,) = [m for m in array.markers if m.ns == "skeletons"]
    assert len(skeleton.points) == 2 * len([b for b in BONES if max(b) < 5])
