"""Publishes one person walking along the floor x axis as SkeletonArray at 30 Hz.

Usage: walk_person.py TOPIC FROM TO SPEED [HOLD] — walks FROM -> TO at SPEED m/s,
stays HOLD s, walks back to FROM, then stays there until stopped.
"""

import sys
import time

import numpy as np

from har_msgs.msg import SkeletonArray
from har_ros.bench.safety import person_on_floor_msg
from har_ros.ros.spin import run_node


def position_at(t: float, start: float, end: float, speed: float, hold: float) -> float:
    leg = abs(end - start) / speed
    direction = np.sign(end - start)
    if t < leg:
        return start + direction * speed * t
    if t < leg + hold:
        return end
    if t < 2 * leg + hold:
        return end - direction * speed * (t - leg - hold)
    return start


def make_node():
    from rclpy.node import Node

    topic = sys.argv[1]
    start, end, speed = (float(v) for v in sys.argv[2:5])
    hold = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
    node = Node("walk_person")
    publisher = node.create_publisher(SkeletonArray, topic, 10)
    t0 = time.monotonic()

    def tick():
        x = position_at(time.monotonic() - t0, start, end, speed, hold)
        publisher.publish(person_on_floor_msg(x, node.get_clock().now().nanoseconds))

    node.create_timer(1 / 30, tick)
    return node


if __name__ == "__main__":
    sys.exit(run_node(make_node))
