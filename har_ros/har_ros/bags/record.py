"""Record topics into an mcap rosbag2 (stand-in for `ros2 bag record`)."""

from __future__ import annotations

import time
from pathlib import Path

from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rosbags.interfaces import (
    Qos,
    QosDurability,
    QosHistory,
    QosLiveliness,
    QosReliability,
    QosTime,
)

from ..ros import qos
from .io import BagError, BagWriter
from .typestore import message_class


def discover(node: Node, topics: list[str], timeout: float, spin) -> dict[str, str]:
    """Topic -> type name, waiting up to ``timeout`` s for every topic to appear."""
    deadline = time.monotonic() + timeout
    found: dict[str, str] = {}
    while True:
        for name, types in node.get_topic_names_and_types():
            if name in topics and types:
                found[name] = types[0]
        if len(found) == len(topics) or time.monotonic() > deadline:
            break
        spin(0.05)
    missing = sorted(set(topics) - set(found))
    if missing:
        raise BagError(f"no publisher seen for {missing} within {timeout:.0f} s")
    return found


def bag_qos(profile: QoSProfile) -> Qos:
    """A publisher's offered QoS as rosbag2 metadata stores it (as `ros2 bag record` does)."""

    def duration(d) -> QosTime:
        sec, nsec = divmod(int(d.nanoseconds), 1_000_000_000)
        return QosTime(sec, nsec)

    return Qos(
        QosHistory(int(profile.history)),
        int(profile.depth),
        QosReliability(int(profile.reliability)),
        QosDurability(int(profile.durability)),
        duration(profile.deadline),
        duration(profile.lifespan),
        QosLiveliness(int(profile.liveliness)),
        duration(profile.liveliness_lease_duration),
        bool(profile.avoid_ros_namespace_conventions),
    )


class Recorder:
    """Subscribes raw (serialised) to topics and writes each message as it arrives."""

    def __init__(self, node: Node, path: str | Path, topic_types: dict[str, str]):
        self.writer = BagWriter(path)
        self.counts = dict.fromkeys(topic_types, 0)
        for topic, msgtype in topic_types.items():
            offered = [info.qos_profile for info in node.get_publishers_info_by_topic(topic)]
            reliable = all(p.reliability == ReliabilityPolicy.RELIABLE for p in offered)
            profile = qos.STREAM_QUEUE if reliable else qos.SENSOR_DATA
            self.writer.add_topic(topic, msgtype, [bag_qos(p) for p in offered])
            node.create_subscription(
                message_class(msgtype),
                topic,
                lambda data, t=topic, ty=msgtype: self._write(t, ty, data),
                profile,
                raw=True,
            )

    def _write(self, topic: str, msgtype: str, data: bytes) -> None:
        self.writer.write(topic, msgtype, time.time_ns(), data)
        self.counts[topic] += 1

    def close(self) -> None:
        self.writer.close()
