"""What people see in RViz: skeletons, a text per person, the robot's zones, the nearest person.

One ``visualization_msgs/MarkerArray`` per decision of the safety node, in
the frame the separations are measured in. It starts with a DELETEALL so
people who left disappear. Colours follow the safety state: green normal,
amber reduced, red protective stop, grey start-up, magenta fault.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from builtin_interfaces.msg import Duration
from geometry_msgs.msg import Point, Pose
from std_msgs.msg import ColorRGBA, Header
from visualization_msgs.msg import Marker, MarkerArray

from har_msgs.msg import SkeletonArray

from ..safety.policy import Decision, SafetyPolicy, SafetyState
from ..safety.zone_rings import ZoneRings, zone_rings
from ..skeleton.layouts import get_layout
from ..skeleton.types import PositionSource
from .qos import DEFAULT

STATE_COLOURS = {
    SafetyState.NORMAL: (0.1, 0.8, 0.2),
    SafetyState.REDUCED: (1.0, 0.65, 0.0),
    SafetyState.PROTECTIVE_STOP: (0.9, 0.1, 0.1),
    SafetyState.STARTUP: (0.6, 0.6, 0.6),
    SafetyState.FAULT: (0.9, 0.0, 0.9),
}


@dataclass(frozen=True)
class PersonMarker:
    track_id: int
    floor_xy: tuple[float, float] | None
    keypoints_3d: np.ndarray | None  # (J, 3) in the marker frame, NaN unknown
    label: str = ""
    confidence: float = 0.0
    separation: float = float("nan")


def _colour(rgb, alpha: float = 1.0) -> ColorRGBA:
    return ColorRGBA(r=float(rgb[0]), g=float(rgb[1]), b=float(rgb[2]), a=float(alpha))


def _marker(
    header: Header, ns: str, mid: int, kind: int, rgb, scale: float, alpha: float = 1.0
) -> Marker:
    m = Marker(header=header, ns=ns, id=mid, type=kind, action=Marker.ADD, pose=Pose())
    m.pose.orientation.w = 1.0
    m.scale.x = m.scale.y = m.scale.z = float(scale)
    m.color = _colour(rgb, alpha)
    m.lifetime = Duration(sec=1)
    return m


def _points(xyz) -> list[Point]:
    return [Point(x=float(x), y=float(y), z=float(z)) for x, y, z in xyz]


def safety_markers(
    header: Header,
    state: SafetyState,
    scale: float,
    rings: ZoneRings,
    people: list[PersonMarker],
    bones: list[tuple[int, int]],
    nearest_track_id: int = -1,
) -> MarkerArray:
    rgb = STATE_COLOURS.get(state, (1.0, 1.0, 1.0))
    markers = [Marker(header=header, action=Marker.DELETEALL)]
    for mid, (radius, colour, name) in enumerate(
        (
            (rings.zone_radius, (0.3, 0.3, 0.9), "robot zone"),
            (rings.protective_radius, (0.9, 0.1, 0.1), "protective"),
            (rings.reduced_radius, (1.0, 0.65, 0.0), "reduced speed"),
        )
    ):
        if radius <= 0:
            continue
        ring = _marker(header, "zones", mid, Marker.LINE_STRIP, colour, 0.03)
        ring.points = _points([(x, y, 0.01) for x, y in rings.circle(radius)])
        ring.text = name
        markers.append(ring)
    label = _marker(header, "state", 0, Marker.TEXT_VIEW_FACING, rgb, 0.25)
    label.pose.position = Point(x=rings.centre[0], y=rings.centre[1], z=1.2)
    label.text = f"robot {state.name.lower().replace('_', ' ')}: speed {scale:.2f}"
    markers.append(label)
    for person in people:
        if person.keypoints_3d is not None:
            kp = person.keypoints_3d
            lines = [
                (kp[a], kp[b])
                for a, b in bones
                if max(a, b) < len(kp) and np.all(np.isfinite(kp[a])) and np.all(np.isfinite(kp[b]))
            ]
            if lines:
                skeleton = _marker(
                    header, "skeletons", person.track_id, Marker.LINE_LIST, rgb, 0.03
                )
                skeleton.points = _points([p for pair in lines for p in pair])
                markers.append(skeleton)
        anchor = _text_anchor(person)
        if anchor is None:
            continue
        text = _marker(header, "people", person.track_id, Marker.TEXT_VIEW_FACING, (1, 1, 1), 0.18)
        text.pose.position = Point(x=anchor[0], y=anchor[1], z=anchor[2])
        what = f"{person.label} {person.confidence:.2f}" if person.label else "action ?"
        where = f"{person.separation:.2f} m" if np.isfinite(person.separation) else "? m"
        text.text = f"#{person.track_id} {what} {where}"
        markers.append(text)
        if person.track_id == nearest_track_id and person.floor_xy is not None:
            line = _marker(header, "nearest", 0, Marker.LINE_LIST, rgb, 0.04)
            line.points = _points(
                [
                    (rings.centre[0], rings.centre[1], 0.02),
                    (person.floor_xy[0], person.floor_xy[1], 0.02),
                ]
            )
            markers.append(line)
    return MarkerArray(markers=markers)


def _text_anchor(person: PersonMarker) -> tuple[float, float, float] | None:
    if person.keypoints_3d is not None and np.isfinite(person.keypoints_3d).any():
        top = np.nanmax(person.keypoints_3d[:, 2])
        centre = np.nanmean(person.keypoints_3d[:, :2], axis=0)
        return float(centre[0]), float(centre[1]), float(top) + 0.3
    if person.floor_xy is not None:
        return person.floor_xy[0], person.floor_xy[1], 2.0
    return None


def triangulated_joints(msg: SkeletonArray) -> dict[int, np.ndarray]:
    """Track id -> (J, 3) keypoint positions of the coco17 people person_fusion triangulated."""
    joints = {}
    for skeleton in msg.skeletons:
        if (
            skeleton.position_source == PositionSource.TRIANGULATED and skeleton.layout == "coco17"
        ):  # the bones drawn; counts were checked on arrival
            joints[int(skeleton.track_id)] = np.array(
                [
                    (k.position.x, k.position.y, k.position.z) if k.has_position else (np.nan,) * 3
                    for k in skeleton.keypoints
                ],
                np.float64,
            )
    return joints


class MarkerPublisher:
    """safety/markers for RViz at most 10 Hz, when visualization_msgs is installed."""

    PERIOD_S = 0.1

    def __init__(self, node):
        self._pub = node.create_publisher(MarkerArray, "safety/markers", DEFAULT)
        self._last = 0.0
        self._joints: dict[int, np.ndarray] = {}
        self._frame_id = ""

    def on_skeletons(self, msg: SkeletonArray) -> None:
        self._joints = triangulated_joints(msg)
        self._frame_id = msg.header.frame_id

    def maybe_publish(
        self, now: float, header: Header, decision: Decision, policy: SafetyPolicy, cell_frame: str
    ) -> None:
        if now - self._last < self.PERIOD_S:
            return
        self._last = now
        people = []
        for person in policy.people:
            label, confidence = policy.action_of(person.track_id) or ("", 0.0)
            people.append(
                PersonMarker(
                    person.track_id,
                    person.floor_xy,
                    self._joints.get(person.track_id),
                    label,
                    confidence,
                    policy.separation(person),
                )
            )
        cfg = policy.config
        rings = zone_rings(cfg.robot_zone, cfg.ssm, cfg.rules, policy.robot_offset)
        frame = Header(stamp=header.stamp, frame_id=cell_frame or self._frame_id)
        self._pub.publish(
            safety_markers(
                frame,
                decision.state,
                decision.scale,
                rings,
                people,
                list(get_layout("coco17").bones),
                decision.nearest_track_id,
            )
        )
