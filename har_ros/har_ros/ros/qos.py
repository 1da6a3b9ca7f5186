"""Every QoS profile of har_ros, named once; the README's QoS table gives the reasons.

A publisher and its subscribers take the same profile from here, so the
contract is written down in one place: images are sensor data (the newest
frame matters, a lost one does not), skeleton and action streams are reliable
with deep queues (a burst while another process holds the CPU is absorbed,
not dropped), and the speed command carries a deadline and a liveliness lease
so that a consumer learns within a bounded time that the safety node went
silent or died.
"""

from __future__ import annotations

from rclpy.duration import Duration
from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    LivelinessPolicy,
    QoSProfile,
    ReliabilityPolicy,
    qos_profile_sensor_data,
)

from ..safety.node_config import SPEED_DEADLINE_S

#: Camera images, depth, camera_info, debug images: best effort, keep last 5.
SENSOR_DATA = qos_profile_sensor_data

#: Skeletons and actions as published: reliable, keep last 10.
STREAM = QoSProfile(
    history=HistoryPolicy.KEEP_LAST, depth=10, reliability=ReliabilityPolicy.RELIABLE
)

#: Skeleton/action subscriptions, bag record/replay: reliable, keep last 100 (bursts).
STREAM_QUEUE = QoSProfile(
    history=HistoryPolicy.KEEP_LAST, depth=100, reliability=ReliabilityPolicy.RELIABLE
)

#: safety/status, robot_position and other low-rate state: reliable, keep last 10.
STATE = STREAM

#: A publisher that stops asserting liveliness for this long is reported as lost.
SPEED_LIVELINESS_LEASE_S = 0.25

#: speed_scaling and its SpeedScalingFactor twin: reliable, keep last 1 (only the newest
#: command matters), with the deadline and liveliness contract above.
SPEED_COMMAND = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=1,
    reliability=ReliabilityPolicy.RELIABLE,
    deadline=Duration(seconds=SPEED_DEADLINE_S),
    liveliness=LivelinessPolicy.AUTOMATIC,
    liveliness_lease_duration=Duration(seconds=SPEED_LIVELINESS_LEASE_S),
)

#: What ros2_controllers' joint_trajectory_controller takes on ~/speed_scaling_input:
#: reliable and transient local, so a restarted controller gets the last command.
CONTROLLER_SPEED_INPUT = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=1,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.TRANSIENT_LOCAL,
)

#: /diagnostics and /clock: ROS defaults (reliable, keep last 10).
DEFAULT = QoSProfile(depth=10)

#: REP-155 topics (humans/bodies/...): ROS defaults, as libhri subscribes them.
HRI = DEFAULT
