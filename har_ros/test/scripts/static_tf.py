"""Broadcasts static transforms from a YAML list (parent, child, xyz, quat) until stopped.

Usage: static_tf.py TRANSFORMS.yaml  (the static_transforms.yaml `har cell convert` writes)
"""

import sys
from pathlib import Path

import yaml

from har_ros.ros.spin import run_node


def make_node():
    from geometry_msgs.msg import TransformStamped
    from rclpy.node import Node
    from tf2_ros import StaticTransformBroadcaster

    node = Node("static_tf")
    transforms = []
    for item in yaml.safe_load(Path(sys.argv[1]).read_text()):
        t = TransformStamped()
        t.header.stamp = node.get_clock().now().to_msg()
        t.header.frame_id, t.child_frame_id = item["parent"], item["child"]
        (t.transform.translation.x, t.transform.translation.y, t.transform.translation.z) = item[
            "xyz"
        ]
        (
            t.transform.rotation.x,
            t.transform.rotation.y,
            t.transform.rotation.z,
            t.transform.rotation.w,
        ) = item["quat"]
        transforms.append(t)
    node.broadcaster = StaticTransformBroadcaster(node)
    node.broadcaster.sendTransform(transforms)
    return node


if __name__ == "__main__":
    sys.exit(run_node(make_node))
