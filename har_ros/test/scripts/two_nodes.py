"""Two nodes in one process through run_nodes; the second may fail in a callback.

Usage: two_nodes.py [--fail-after SECONDS] [--shutdown-in-callback NAME]. Each
node publishes its name on `alive` five times a second so a test can see both
spin. ``--shutdown-in-callback NAME``: after a second, node NAME's callback
shuts the context down (as a SIGINT does while a callback runs) and then
publishes, which raises in rclpy.
"""

import argparse
import sys

from rclpy.node import Node
from std_msgs.msg import String

from har_ros.ros.spin import run_nodes


def node_factory(name: str, fail_after: float | None, shutdown_in_callback: bool = False):
    def make() -> Node:
        import rclpy

        node = Node(name)
        publisher = node.create_publisher(String, "alive", 10)
        node.create_timer(0.2, lambda: publisher.publish(String(data=name)))
        if shutdown_in_callback:
            def shut_down_then_publish():
                rclpy.try_shutdown()
                publisher.publish(String(data=name))  # the context is gone: rclpy raises
            node.create_timer(1.0, shut_down_then_publish)
        if fail_after is not None:
            def fail():
                raise RuntimeError(f"{name} failed on purpose")
            node.create_timer(fail_after, fail)
        return node
    return make


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--fail-after", type=float)
    parser.add_argument("--shutdown-in-callback", default="")
    options, ros_args = parser.parse_known_args()
    sys.exit(run_nodes([
        node_factory("first", None, options.shutdown_in_callback == "first"),
        node_factory("second", options.fail_after, options.shutdown_in_callback == "second")],
        [sys.argv[0], *ros_args]))
