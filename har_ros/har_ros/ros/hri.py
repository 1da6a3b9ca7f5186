"""REP-155 (ROS4HRI) output: the people of every frame as ROS4HRI bodies.

``humans/bodies/tracked`` (hri_msgs/IdsList) for every processed frame, empty
when nobody is there; per body ``humans/bodies/<id>/skeleton2d`` and ``roi``,
and the TF frame ``body_<id>`` where a position exists. Names are relative,
so a camera's pose node in its namespace does not clash with the cell's
fused output at the root. Per-body publishers exist while the body does and
are destroyed once it has been gone for the expiry time. Where hri_msgs is
not installed, ``hri_available()`` is false and the nodes publish nothing
here (their own har_msgs output is unchanged).
"""

from __future__ import annotations

from rclpy.node import Node
from std_msgs.msg import Header

from ..common.expiring_ids import ExpiringIds
from ..skeleton.rep155 import body_pose, normalised_roi, skeleton2d_points
from ..skeleton.types import SkeletonFrame
from . import qos
from .frames import tf2_available, transform_msg
from .stamps import ns_to_stamp

try:
    from hri_msgs.msg import (
        IdsList,
        NormalizedPointOfInterest2D,
        NormalizedRegionOfInterest2D,
        Skeleton2D,
    )
except ImportError:  # not built here: hri_available() says so and nothing is published
    IdsList = NormalizedPointOfInterest2D = NormalizedRegionOfInterest2D = Skeleton2D = None

TRACKED_TOPIC = "humans/bodies/tracked"


def hri_available() -> bool:
    return IdsList is not None


def body_id(track_id: int) -> str:
    """The REP-155 id of a track: a topic-name token, which may not start with a digit."""
    return f"b{int(track_id)}"


def body_topic(body: str, name: str) -> str:
    return f"humans/bodies/{body}/{name}"


class BodyPublishers:
    """Per-body publishers, created when a body appears and destroyed when it expires."""

    def __init__(self, node: Node, topics: dict[str, type], expiry_s: float):
        self._node = node
        self._topics = topics
        self._ids = ExpiringIds(expiry_s)
        self._publishers: dict[str, dict[str, object]] = {}

    def __len__(self) -> int:
        return len(self._publishers)

    def update(self, bodies: list[str], now_s: float) -> dict[str, dict[str, object]]:
        """The publishers of ``bodies`` (created if new); expired bodies' are destroyed."""
        new, expired = self._ids.seen(bodies, now_s)
        for body in expired:
            for publisher in self._publishers.pop(body, {}).values():
                self._node.destroy_publisher(publisher)
        for body in new:
            self._publishers[body] = {
                name: self._node.create_publisher(kind, body_topic(body, name), qos.HRI)
                for name, kind in self._topics.items()
            }
        return {body: self._publishers[body] for body in bodies}


class HriBodiesOutput:
    """One SkeletonFrame -> tracked ids, skeleton2d, roi and ``body_<id>`` TF."""

    def __init__(self, node: Node, expiry_s: float):
        if not hri_available():
            raise RuntimeError("hri_msgs is not installed")
        self._tracked = node.create_publisher(IdsList, TRACKED_TOPIC, qos.HRI)
        self._bodies = BodyPublishers(
            node, {"skeleton2d": Skeleton2D, "roi": NormalizedRegionOfInterest2D}, expiry_s
        )
        self._tf = None
        if tf2_available():
            from tf2_ros import TransformBroadcaster

            self._tf = TransformBroadcaster(node)

    @property
    def body_count(self) -> int:
        """Bodies that have publishers now (seen within the expiry time)."""
        return len(self._bodies)

    def publish(self, frame: SkeletonFrame, now_s: float) -> None:
        header = Header(stamp=ns_to_stamp(frame.stamp_ns), frame_id=frame.frame_id)
        people = {body_id(p.track_id): p for p in frame.people if p.track_id >= 0}
        publishers = self._bodies.update(list(people), now_s)
        transforms = []
        for body, person in people.items():
            xmin, ymin, xmax, ymax = normalised_roi(person.bbox, frame.width, frame.height)
            publishers[body]["roi"].publish(
                NormalizedRegionOfInterest2D(
                    header=header,
                    xmin=xmin,
                    ymin=ymin,
                    xmax=xmax,
                    ymax=ymax,
                    c=min(max(float(person.score), 0.0), 1.0),
                )
            )
            points = skeleton2d_points(person, frame.width, frame.height)
            if points is not None:
                publishers[body]["skeleton2d"].publish(
                    Skeleton2D(
                        header=header,
                        skeleton=[
                            NormalizedPointOfInterest2D(x=float(x), y=float(y), c=float(c))
                            for x, y, c in points
                        ],
                    )
                )
            pose = body_pose(person)
            if pose is not None and self._tf is not None:
                transforms.append(
                    transform_msg(
                        header.stamp,
                        pose.parent_frame,
                        f"body_{body}",
                        pose.translation,
                        pose.rotation,
                    )
                )
        if transforms:
            self._tf.sendTransform(transforms)
        self._tracked.publish(IdsList(header=header, ids=list(people)))


def start_hri_output(node: Node, expiry_s: float) -> HriBodiesOutput | None:
    """The node's REP-155 output, or None (logged) where hri_msgs is not installed."""
    if not hri_available():
        node.get_logger().info("hri_msgs is not installed: no REP-155 output (humans/bodies)")
        return None
    return HriBodiesOutput(node, expiry_s)
