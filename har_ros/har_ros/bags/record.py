"""Record topics into an mcap rosbag2 (stand-in for `ros2 bag record`)."""

from __future__ import annotations

import time
from pathlib import Path

from rclpy.node import Node
from rclpy.qos import ReliabilityPolicy

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


class Recorder:
    """Subscribes raw (serialised) to topics and writes each message as it arrives."""

    def __init__(self, node: Node, path: str | Path, topic_types: dict[str, str]):
        self.writer = BagWriter(path)
        self.counts = dict.fromkeys(topic_types, 0)
        for topic, msgtype in topic_types.items():
            reliable = all(info.qos_profile.reliability == ReliabilityPolicy.RELIABLE
                           for info in node.get_publishers_info_by_topic(topic))
            profile = qos.STREAM_QUEUE if reliable else qos.SENSOR_DATA
            node.create_subscription(message_class(msgtype), topic,
                                     lambda data, t=topic, ty=msgtype: self._write(t, ty, data),
                                     profile, raw=True)

    def _write(self, topic: str, msgtype: str, data: bytes) -> None:
        self.writer.write(topic, msgtype, time.time_ns(), data)
        self.counts[topic] += 1

    def close(self) -> None:
        self.writer.close()
