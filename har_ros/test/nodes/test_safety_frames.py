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

pytestmark = [pytest.mark.graph, pytest.mark.skipif(
    not tf2_available(), reason="tf2_ros is not built here (make setup builds it from "
    "../shared/ros2_extras when that folder exists)")]

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
    person = Person(keypoints=np.full((17, 3), 0.9, np.float32), layout="coco17", score=0.9,
                    bbox=(100.0, 100.0, 200.0, 400.0), track_id=1,
                    position=PERSON_IN_CAMERA.copy(), position_source=PositionSource.DEPTH,
                    position_frame_id=frame_id)
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
    proc = processes.start("--ros-args", "-r", f"__ns:={ns}", "-p", "cell_frame:=world", "-p",
                    "robot_frame:=robot_base", "-p", "robot_zone_type:=point", "-p",
                    "robot_zone_points:=[0.0, 0.0]", "-p", f"robot_zone_radius:={RADIUS}",
                    "-p", "startup_healthy_time:=0.3",
                    module="har_ros.nodes.safety_node")
    wait_for_publishers(ros_node, sub, timeout=20)
    wait_for_subscribers(ros_node, pub, timeout=20)
    person_world = apply_transform(
        transform("world", "camera_optical", *CAMERA_IN_WORLD, now().to_msg()).transform,
        PERSON_IN_CAMERA)
    np.testing.assert_allclose(person_world, [1.0, 5.0, 1.5], atol=1e-9)  # rotated 90° about z

    def run(seconds, frame="camera_optical", robot_x=None):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            stamp = now()
            if robot_x is not None:
                moving.sendTransform(transform("world", "robot_base", (robot_x, 0.0, 0.0),
                                               (0.0, 0.0, 0.0, 1.0), stamp.to_msg()))
            pub.publish(person_in(frame, stamp.nanoseconds))
            tick = time.monotonic() + 1 / 30
            spin_until(ros_node, lambda t=tick: time.monotonic() >= t, 1.0, "a frame")

    run(2.0, robot_x=0.0)
    last = statuses[-1]
    assert math.isclose(last.min_separation, math.hypot(1.0, 5.0) - RADIUS, abs_tol=0.01), \
        last.reason
    run(1.0, robot_x=1.0)  # the robot moved 1 m towards the person
    assert math.isclose(statuses[-1].min_separation, 5.0 - RADIUS, abs_tol=0.01), \
        statuses[-1].reason

    run(0.5, frame="nowhere", robot_x=1.0)
    assert statuses[-1].state == SafetyStatus.STATE_PROTECTIVE_STOP
    assert "nowhere" in statuses[-1].reason

    run(1.0, robot_x=None)  # the robot's transform stops coming
    assert statuses[-1].state == SafetyStatus.STATE_PROTECTIVE_STOP
    assert "robot_base" in statuses[-1].reason and "old" in statuses[-1].reason

    # Found and fixed: a non-finite robot transform (tf2 refuses NaN, not inf) raised
    # ValueError in the policy and ended the node.
    run(0.5, robot_x=math.inf)
    assert statuses[-1].state == SafetyStatus.STATE_PROTECTIVE_STOP
    assert "robot_base -> world is not finite" in statuses[-1].reason, statuses[-1].reason
    run(0.5, robot_x=1.0)
    assert "not finite" not in statuses[-1].reason and proc.poll() is None
