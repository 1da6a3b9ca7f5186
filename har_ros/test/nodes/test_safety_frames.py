"""The safety node with TF: camera pose from a static transform, the robot from a moving one.

A person measured in the camera's frame is transformed into the cell frame;
a skeleton in a frame TF does not know, and a robot transform that stops
coming, give a protective stop that names the frame, never a wrong distance.
"""

import math
import time

import numpy as np
import pytest
from geometry_msgs.msg import TransformStamped

from har_msgs.msg import SafetyStatus, SkeletonArray
from har_ros.ros import qos
from har_ros.ros.frames import apply_transform, tf2_available
from har_ros.ros.graph import spin_until, wait_for_publishers, wait_for_subscribers
from har_ros.ros.skeleton_msgs import frame_to_msg
from har_ros.skeleton.types import Person, PositionSource, SkeletonFrame

pytestmark = [
    pytest.mark.graph,
    pytest.mark.skipif(
        not tf2_available(),
        reason="tf2_ros is not built here (make setup builds it from "
        "../shared/ros2_extras when that folder exists)",
    ),
]

CAMERA_IN_WORLD = ((1.0, 2.0, 1.5), (0.0, 0.0, math.sin(math.pi / 4), math.cos(math.pi / 4)))
PERSON_IN_CAMERA = np.array([3.0, 0.0, 0.0])  # 3 m along the camera's x axis
RADIUS = 0.5  # of the robot zone around the robot frame's origin


def transform(parent, child, xyz, quat, stamp) -> TransformStamped:
    msg = TransformStamped()
    msg.header.frame_id, msg.child_frame_id = parent, child
    msg.header.stamp = stamp
    t, r = msg.transform.translation, msg.transform.rotation
    t.x, t.y, t.z = xyz
    r.x, r.y, r.z, r.w = quat
    return msg


def person_in(frame_id: str, stamp_ns: int) -> SkeletonArray:
    person = Person(
        keypoints=np.full((17, 3), 0.9, np.float32),
        layout="coco17",
        score=0.9,
        bbox=(100.0, 100.0, 200.0, 400.0),
        track_id=1,
        position=PERSON_IN_CAMERA.copy(),
        position_source=PositionSource.DEPTH,
        position_frame_id=frame_id,
    )
    return frame_to_msg(SkeletonFrame(stamp_ns, frame_id, 640, 480, [person]))


def test_positions_and_robot_through_tf(ros_node, processes, topic_prefix):
    import tf2_ros

    ns = topic_prefix
    statuses = []
    sub = ros_node.create_subscription(SafetyStatus, f"{ns}/safety/status", statuses.append, 50)
    pub = ros_node.create_publisher(SkeletonArray, f"{ns}/skeletons", qos.STREAM)
    static = tf2_ros.StaticTransformBroadcaster(ros_node)
    moving = tf2_ros.TransformBroadcaster(ros_node)
    now = lambda: ros_node.get_clock().now()  # noqa: E731
    static.sendTransform(transform("world", "camera_optical", *CAMERA_IN_WORLD, now().to_msg()))
    proc = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={ns}",
        "-p",
        "cell_frame:=world",
        "-p",
        "robot_frame:=robot_base",
        "-p",
        "robot_zone_type:=point",
        "-p",
        "robot_zone_points:=[0.0, 0.0]",
        "-p",
        f"robot_zone_radius:={RADIUS}",
        "-p",
        "startup_healthy_time:=0.3",
        module="har_ros.nodes.safety_node",
    )
    wait_for_publishers(ros_node, sub, timeout=20)
    wait_for_subscribers(ros_node, pub, timeout=20)
    person_world = apply_transform(
        transform("world", "camera_optical", *CAMERA_IN_WORLD, now().to_msg()).transform,
        PERSON_IN_CAMERA,
    )
    np.testing.assert_allclose(person_world, [1.0, 5.0, 1.5], atol=1e-9)  # rotated 90° about z

    def run_until(what, holds, frame="camera_optical", robot_x=None, timeout=30.0):
        """Publish frames (and the robot's transform) until the newest status ``holds``.

        Waits on the node's answers, not on an assumed speed; fails naming the last reason.
        """
        end = time.monotonic() + timeout
        while not (statuses and holds(statuses[-1])):
            assert time.monotonic() < end, f"{what}: last status " + (
                statuses[-1].reason if statuses else "none"
            )
            stamp = now()
            if robot_x is not None:
                moving.sendTransform(
                    transform(
                        "world",
                        "robot_base",
                        (robot_x, 0.0, 0.0),
                        (0.0, 0.0, 0.0, 1.0),
                        stamp.to_msg(),
                    )
                )
            pub.publish(person_in(frame, stamp.nanoseconds))
            tick = time.monotonic() + 1 / 30
            spin_until(ros_node, lambda t=tick: time.monotonic() >= t, 1.0, "a frame")

    def separation(expected):
        return lambda status: math.isclose(status.min_separation, expected, abs_tol=0.01)

    def stopped_naming(*words):
        return lambda status: (
            status.state == SafetyStatus.STATE_PROTECTIVE_STOP
            and all(w in status.reason for w in words)
        )

    run_until("the person through TF", separation(math.hypot(1.0, 5.0) - RADIUS), robot_x=0.0)
    # the robot moved 1 m towards the person
    run_until("the robot moved", separation(5.0 - RADIUS), robot_x=1.0)
    run_until("a frame TF does not know", stopped_naming("nowhere"), frame="nowhere", robot_x=1.0)
    # the robot's transform stops coming
    run_until("the robot transform stale", stopped_naming("robot_base", "old"))

    # Found and fixed: a non-finite robot transform (tf2 refuses NaN, not inf) raised
    # ValueError in the policy and ended the node.
    run_until(
        "a non-finite robot transform",
        stopped_naming("robot_base -> world is not finite"),
        robot_x=math.inf,
    )
    run_until("a finite one again", lambda status: "not finite" not in status.reason, robot_x=1.0)
    assert proc.poll() is None, processes.output(proc)
