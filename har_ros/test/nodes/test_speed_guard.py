"""speed_guard between a real safety node and a controller's speed scaling input."""

import time

import pytest
from std_msgs.msg import Float64

from har_ros.nodes.speed_guard import controller_message_type
from har_ros.ros import qos
from har_ros.ros.graph import spin_until, wait_for_publishers

pytestmark = pytest.mark.graph


def factor_of(msg) -> float:
    return msg.data if isinstance(msg, Float64) else msg.factor


def test_killed_safety_node_gives_zero_at_the_controller_and_says_why(
    ros_node, processes, topic_prefix
):
    """The controller gets 0 once the safety node is gone, and the guard says why.

    How soon is the machine's figure (SpeedGuardConfig.bound_s plus transport on a
    quiet machine); what holds on any machine: 0 follows, stays, and is explained.
    """
    ns = topic_prefix
    target = f"{ns}/joint_trajectory_controller/speed_scaling_input"
    msg_type, _ = controller_message_type()
    factors = []
    sub = ros_node.create_subscription(
        msg_type,
        target,
        lambda m: factors.append((time.monotonic(), factor_of(m))),
        qos.CONTROLLER_SPEED_INPUT,
    )
    safety = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={ns}",
        "-p",
        "robot_zone_points:=[0.0, 0.0]",
        "-p",
        "startup_healthy_time:=0.3",
        "-p",
        "ramp_up_rate:=1.0",
        module="har_ros.nodes.safety_node",
    )
    guard = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={ns}",
        "-p",
        f"target_topic:={target}",
        module="har_ros.nodes.speed_guard",
    )
    processes.start(f"{ns}/skeletons", "6.0", "6.0", "1.0", script="walk_person.py")
    wait_for_publishers(ros_node, sub, timeout=20)
    spin_until(
        ros_node, lambda: factors and factors[-1][1] > 0.3, 30.0, "the controller factor to rise"
    )
    safety.kill()
    safety.wait(timeout=10)
    killed = time.monotonic()
    spin_until(ros_node, lambda: factors[-1][1] == 0.0, 30.0, "0 at the controller")
    zero_at = next(t for t, f in factors if t >= killed and f == 0.0)
    settled = len(factors)
    spin_until(ros_node, lambda: len(factors) >= settled + 25, 30.0, "the guard's next outputs")
    assert all(f == 0.0 for t, f in factors if t >= zero_at)
    why = ("missed its", "publisher lost (liveliness)", "speed command stale")
    spin_until(
        ros_node,
        lambda: any(w in processes.output(guard) for w in why),
        10.0,
        "the guard's reason in its log",
    )


def test_guard_without_any_command_holds_zero(ros_node, processes, topic_prefix):
    target = f"{topic_prefix}/controller/speed_scaling_input"
    msg_type, _ = controller_message_type()
    factors = []
    sub = ros_node.create_subscription(
        msg_type, target, lambda m: factors.append(factor_of(m)), qos.CONTROLLER_SPEED_INPUT
    )
    processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-p",
        f"target_topic:={target}",
        module="har_ros.nodes.speed_guard",
    )
    wait_for_publishers(ros_node, sub, timeout=20)
    spin_until(ros_node, lambda: len(factors) >= 10, 10.0, "guard output")
    assert set(factors) == {0.0}
