"""Floods the safety node's inputs the way an adversary would.

Usage: flood.py NS PEOPLE RATE — publishes NS/skeletons with PEOPLE skeletons
each and NS/action with PEOPLE actions each, both at RATE Hz, stamped now,
until stopped. The messages are serialized once and only their stamps are
rewritten, so the flood is limited by the transport, not by this script.
"""

import struct
import sys

from rclpy.serialization import serialize_message

from har_msgs.msg import Action, ActionArray, Keypoint, Skeleton, SkeletonArray
from har_ros.ros.spin import run_node


def stamped(data: bytes, now_ns: int) -> bytes:
    """CDR bytes with header.stamp (right after the 4-byte encapsulation) set to now."""
    return (
        data[:4] + struct.pack("<iI", now_ns // 1_000_000_000, now_ns % 1_000_000_000) + data[12:]
    )


def make_node():
    from rclpy.node import Node

    from har_ros.ros import qos

    ns, people, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    node = Node("flood")
    skeletons = SkeletonArray(
        image_width=640,
        image_height=480,
        skeletons=[
            Skeleton(
                track_id=i + 1,
                layout="coco17",
                score=0.9,
                keypoints=[Keypoint(x=320.0, y=240.0, score=0.9) for _ in range(17)],
            )
            for i in range(people)
        ],
    )
    skeletons.header.frame_id = "camera"
    actions = ActionArray(
        class_names=["waiting"],
        actions=[
            Action(track_id=i + 1, label="waiting", confidence=0.9, scores=[0.9])
            for i in range(people)
        ],
    )
    raw = {"skeletons": serialize_message(skeletons), "action": serialize_message(actions)}
    pubs = {
        name: node.create_publisher(type(msg), f"{ns}/{name}", qos.STREAM)
        for name, msg in (("skeletons", skeletons), ("action", actions))
    }

    def tick():
        now = node.get_clock().now().nanoseconds
        for name, pub in pubs.items():
            pub.publish(stamped(raw[name], now))

    node.create_timer(1.0 / rate, tick)
    return node


if __name__ == "__main__":
    sys.exit(run_node(make_node))
