"""The three nodes composed in one process: a speed command traces back to its image."""

import time

import numpy as np
import pytest
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from har_msgs.msg import SafetyStatus
from har_ros.ros.graph import spin_until, wait_for_publishers, wait_for_subscribers
from har_ros.ros.image_msgs import array_to_image
from har_ros.ros.stamps import ns_to_stamp, stamp_to_ns
from har_ros.runtime.pipeline import default_params

pytestmark = pytest.mark.graph


def test_composed_nodes_run_in_one_process_and_decisions_name_their_image(
    ros_node, processes, topic_prefix
):
    composed = processes.start(
        "--ros-args",
        "--params-file",
        str(default_params()),
        "-r",
        f"__ns:={topic_prefix}",
        module="har_ros.nodes.composed",
    )
    statuses = []
    sub = ros_node.create_subscription(
        SafetyStatus, f"{topic_prefix}/safety/status", statuses.append, 100
    )
    camera = ros_node.create_publisher(Image, f"{topic_prefix}/image", qos_profile_sensor_data)
    wait_for_publishers(ros_node, sub, timeout=30)
    wait_for_subscribers(ros_node, camera, timeout=30)

    def names():
        return {n for n, ns in ros_node.get_node_names_and_namespaces() if ns == topic_prefix}

    spin_until(
        ros_node,
        lambda: names() == {"pose_node", "action_node", "safety_node"},
        timeout=20,
        what="the three nodes in the graph",
    )
    assert composed.poll() is None

    black = array_to_image(np.zeros((240, 320, 3), np.uint8), "rgb8", Header(frame_id="cam"))
    sent = []
    deadline = time.monotonic() + 20
    while not any(stamp_to_ns(s.skeletons_stamp) in sent for s in statuses):
        assert time.monotonic() < deadline, "no decision named an image sent"
        sent.append(1_000_000_000 * (len(sent) + 1))
        black.header.stamp = ns_to_stamp(sent[-1])
        camera.publish(black)
        end = time.monotonic() + 0.1
        spin_until(ros_node, lambda e=end: time.monotonic() > e, 1.0, "the next frame")
    used = {stamp_to_ns(s.skeletons_stamp) for s in statuses} - {0}
    assert used <= set(sent), "a decision named a stamp no image had"
    assert composed.poll() is None
