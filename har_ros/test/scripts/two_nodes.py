"""Two nodes in one process through run_nodes; the second may fail in a callback.

Usage: two_nodes.py [--fail-on-request] [--shutdown-in-callback NAME]
[--lost-reply NAME] [--stop-while-starting]. Each node publishes its name on `alive` five times a
second so a test can see both spin. ``--fail-on-request``: the second node
raises in its callback when a message arrives on `fail` (the test sends it
once it saw both nodes alive: no race with slow discovery). ``--shutdown-in-callback NAME``: after a
second, node NAME's callback shuts the context down (as a SIGINT does while a
callback runs) and then
publishes, which raises in rclpy. ``--lost-reply NAME``: node NAME offers
`slow` (a GetParameters service answering after a second); the other node
sends it two requests and destroys its client while the first is answered, so
the second reply has nobody to go to; rmw's warning for that is made an
error, which is how rclpy raised it on a loaded cell (``SystemError``).
``--stop-while-starting``: the context is shut down (as a Ctrl-C does) before
the second node is made, so making it raises rclpy's RCLError.
"""

import argparse
import sys
import time
import warnings

from rcl_interfaces.srv import GetParameters
from rclpy.node import Node
from std_msgs.msg import String

from har_ros.ros.spin import run_nodes


def node_factory(
    name: str, fail_on_request: bool, shutdown_in_callback: bool = False, lost_reply: str = ""
):
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
        if lost_reply == name:

            def answer_late(request, response):
                time.sleep(1.0)
                return response

            node.create_service(GetParameters, "slow", answer_late)
        elif lost_reply:
            client = node.create_client(GetParameters, "slow")
            calls = []

            def call_then_leave():
                if not calls and client.service_is_ready():
                    calls.append(client.call_async(GetParameters.Request()))
                    calls.append(client.call_async(GetParameters.Request()))
                elif len(calls) == 2:
                    calls.append(node.destroy_client(client))

            node.create_timer(0.3, call_then_leave)
        if fail_on_request:

            def fail(_):
                raise RuntimeError(f"{name} failed on purpose")

            node.create_subscription(String, "fail", fail, 10)
        return node

    return make


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--fail-on-request", action="store_true")
    parser.add_argument("--shutdown-in-callback", default="")
    parser.add_argument("--lost-reply", default="")
    parser.add_argument("--stop-while-starting", action="store_true")
    options, ros_args = parser.parse_known_args()
    if options.lost_reply:
        warnings.simplefilter("error", RuntimeWarning)

    def stopped_then_second() -> Node:
        import rclpy

        rclpy.try_shutdown()
        return Node("second")

    sys.exit(
        run_nodes(
            [
                node_factory(
                    "first", False, options.shutdown_in_callback == "first", options.lost_reply
                ),
                stopped_then_second
                if options.stop_while_starting
                else node_factory(
                    "second",
                    options.fail_on_request,
                    options.shutdown_in_callback == "second",
                    options.lost_reply,
                ),
            ],
            [sys.argv[0], *ros_args],
        )
    )
