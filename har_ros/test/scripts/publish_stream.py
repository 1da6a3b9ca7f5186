"""Publishes a `har synth --stream` file as SkeletonArray messages in real time.

Usage: publish_stream.py TOPIC STREAM.npz START_STAMP_NS|now [SPEED]
Frame i is stamped START_STAMP_NS + its stream time (``now``: the wall clock
when the first subscriber appeared, as a live camera stamps); SPEED > 1 plays
faster.
"""

import sys
import time

from har_msgs.msg import SkeletonArray
from har_ros.action.streams import stream_frame_to_skeletons
from har_ros.action.synth import load_stream
from har_ros.ros.skeleton_msgs import frame_to_msg
from har_ros.ros.spin import run_node


def make_node():
    from rclpy.node import Node

    topic, path, start = sys.argv[1], sys.argv[2], sys.argv[3]
    speed = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
    frames = load_stream(path)
    node = Node("stream_publisher")
    publisher = node.create_publisher(SkeletonArray, topic, 100)
    deadline = time.monotonic() + 20
    while publisher.get_subscription_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    t0 = time.monotonic()
    start_ns = time.time_ns() if start == "now" else int(start)
    sent = [0]

    def tick():
        due = (time.monotonic() - t0) * speed
        while sent[0] < len(frames) and frames[sent[0]].stamp <= due:
            publisher.publish(frame_to_msg(stream_frame_to_skeletons(frames[sent[0]], start_ns)))
            sent[0] += 1
        if sent[0] >= len(frames):
            node.context.try_shutdown()

    node.create_timer(0.005, tick)
    return node


if __name__ == "__main__":
    sys.exit(run_node(make_node))
