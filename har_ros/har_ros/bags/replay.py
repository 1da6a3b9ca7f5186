"""Publish a bag's messages with their original timing (stand-in for `ros2 bag play`)."""

from __future__ import annotations

import time
from pathlib import Path

from rclpy.node import Node

from ..ros import qos
from .io import BagError, bag_topics, read_bag
from .typestore import message_class

SENSOR_TYPES = {"sensor_msgs/msg/Image", "sensor_msgs/msg/CameraInfo"}


def replay(
    node: Node,
    path: str | Path,
    rate: float = 1.0,
    clock: bool = False,
    loop: bool = False,
    topics: list[str] | None = None,
    wait: float = 5.0,
    delay: float = 0.5,
    prefix: str = "",
    should_stop=lambda: False,
) -> int:
    """Replay ``path`` through ``node``; returns the number of messages published.

    Waits up to ``wait`` s for every topic to have a subscriber, then ``delay`` s
    more: a publisher sees a new subscriber before that subscriber has matched
    the publisher, and a message sent in between would be lost. ``prefix`` is
    put in front of every topic (replay into a namespace).
    """
    if rate <= 0:
        raise BagError(f"rate must be > 0, got {rate}")
    available = bag_topics(path)
    chosen = {t: ty for t, ty in available.items() if not topics or t in topics}
    if not chosen:
        raise BagError(f"none of {topics} in {path}; it has {sorted(available)}")
    publishers = {}
    for topic, msgtype in chosen.items():
        profile = qos.SENSOR_DATA if msgtype in SENSOR_TYPES else qos.STREAM_QUEUE
        publishers[topic] = node.create_publisher(
            message_class(msgtype), prefix.rstrip("/") + topic, profile
        )
    clock_pub = None
    if clock:
        from rosgraph_msgs.msg import Clock

        clock_pub = node.create_publisher(Clock, "/clock", qos.DEFAULT)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not all(
        p.get_subscription_count() for p in publishers.values()
    ):
        time.sleep(0.02)
    time.sleep(delay)
    sent = 0
    while True:
        start_wall, first_stamp = time.monotonic(), None
        for message in read_bag(path, list(chosen)):
            if should_stop():
                return sent
            if first_stamp is None:
                first_stamp = message.timestamp_ns
            due = start_wall + (message.timestamp_ns - first_stamp) * 1e-9 / rate
            while (remaining := due - time.monotonic()) > 0:
                time.sleep(min(remaining, 0.02))
            if clock_pub is not None:
                from builtin_interfaces.msg import Time
                from rosgraph_msgs.msg import Clock

                sec, nanosec = divmod(message.timestamp_ns, 1_000_000_000)
                clock_pub.publish(Clock(clock=Time(sec=sec, nanosec=nanosec)))
            publishers[message.topic].publish(message.data)
            sent += 1
        if not loop:
            _wait_for_acks(publishers.values())
            return sent


def _wait_for_acks(publishers, timeout_s: float = 10.0) -> None:
    """Reliable messages still in flight are lost when the process ends: wait for the acks.

    A slow reader (a loaded machine) may be seconds behind the last publish.
    """
    from rclpy.duration import Duration

    for publisher in publishers:
        publisher.wait_for_all_acked(Duration(seconds=timeout_s))
