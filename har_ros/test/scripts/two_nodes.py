"""Two nodes in one process through run_nodes; the second may fail in a callback.

Usage: two_nodes.py [--fail-after SECONDS]. Each node publishes its name on
`alive` five times a second so a test can see both spin.
"""

import argparse
import sys

from rclpy.node import Node
from std_msgs.msg import String

from har_ros.ros.spin import run_nodes


def node_factory(name: str, fail_after: float | None):
    def make() -> Node:
        node = Node(name)
        publisher = node.create_publisher(String, "alive", 10)
        node.create_timer(0.2, lambda: publisher.publish(String(data=name)))
        if fail_after is not None:
            def fail():
                raise RuntimeError(f"{name} failed on purpose")
            node.create_timer(fail_after, fail)
        return node
    return make


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--fail-after", type=float)
    options, ros_args = parser.parse_known_args()
    sys.exit(run_nodes([node_factory("first", None), node_factory("second", options.fail_after)],
                       [sys.argv[0], *ros_args]))
