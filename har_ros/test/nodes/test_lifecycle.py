"""Every lifecycle transition of the managed nodes, driven through the lifecycle services.

The nodes start with autostart:=false (as under a lifecycle manager). A bad
parameter fails configure with the reason and the node stays unconfigured;
what the robot sees in each state of the safety node is checked on
speed_scaling and safety/status.
"""

import time

import pytest
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState, GetState
from rcl_interfaces.srv import SetParameters
from rclpy.parameter import Parameter
from std_msgs.msg import Float64

from har_msgs.msg import SafetyStatus, SkeletonArray
from har_ros.ros import qos
from har_ros.ros.graph import GraphTimeoutError, call_service, spin_until, wait_for_publishers
from har_ros.ros.stamps import stamp_to_ns

pytestmark = pytest.mark.graph


GOAL_STATE = {
    Transition.TRANSITION_CONFIGURE: "inactive",
    Transition.TRANSITION_ACTIVATE: "active",
    Transition.TRANSITION_DEACTIVATE: "inactive",
    Transition.TRANSITION_CLEANUP: "unconfigured",
}


class Lifecycle:
    """The lifecycle services of one node."""

    def __init__(self, ros_node, node: str):
        self.ros_node = ros_node
        self.change = ros_node.create_client(ChangeState, f"{node}/change_state")
        self.get = ros_node.create_client(GetState, f"{node}/get_state")
        self.params = ros_node.create_client(SetParameters, f"{node}/set_parameters")
        for client in (self.change, self.get, self.params):
            spin_until(ros_node, client.service_is_ready, 30.0, f"{client.service_name}")

    def state(self) -> str:
        return call_service(self.ros_node, self.get, GetState.Request()).current_state.label

    def transition(self, transition_id: int) -> bool:
        """Request a transition; a lost reply is recovered by looking at the state.

        A server may answer before it has discovered the client's reply reader
        ("failed to send response"). Then the node is either in the
        transition's goal state (it succeeded) or still where it was (it failed
        or never ran), and sending it again gives the same outcome.
        """
        request = ChangeState.Request()
        request.transition.id = transition_id
        for _ in range(4):
            future = self.change.call_async(request)
            try:
                spin_until(self.ros_node, future.done, 10.0, f"transition {transition_id}")
                return future.result().success
            except GraphTimeoutError:
                self.change.remove_pending_request(future)
                state = self.state()
                while state.endswith("ing"):  # still configuring, activating, ...
                    settle(self.ros_node, 0.5)
                    state = self.state()
                if state == GOAL_STATE[transition_id]:
                    return True
        raise GraphTimeoutError(f"no reply to transition {transition_id} in 4 attempts")

    def set(self, name, value) -> bool:
        return (
            call_service(
                self.ros_node,
                self.params,
                SetParameters.Request(parameters=[Parameter(name, value=value).to_parameter_msg()]),
            )
            .results[0]
            .successful
        )


def settle(ros_node, seconds: float) -> None:
    end = time.monotonic() + seconds
    spin_until(ros_node, lambda: time.monotonic() > end, seconds + 1, "time to pass")


def test_safety_node_states_as_the_robot_sees_them(ros_node, processes, topic_prefix):
    ns = topic_prefix
    scales, statuses = [], []
    ros_node.create_subscription(
        Float64,
        f"{ns}/speed_scaling",
        lambda m: scales.append((time.monotonic(), m.data)),
        qos.SPEED_COMMAND,
    )
    sub = ros_node.create_subscription(SafetyStatus, f"{ns}/safety/status", statuses.append, 50)
    safety = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={ns}",
        "-p",
        "autostart:=false",
        "-p",
        "robot_zone_points:=[0.0, 0.0]",
        "-p",
        "startup_healthy_time:=0.3",
        "-p",
        "ramp_up_rate:=1.0",
        "-p",
        "rules_file:=/nonexistent/rules.yaml",
        module="har_ros.nodes.safety_node",
    )
    processes.start(f"{ns}/skeletons", "6.0", "6.0", "1.0", script="walk_person.py")
    node = Lifecycle(ros_node, f"{ns}/safety_node")
    wait_for_publishers(ros_node, sub, timeout=20)
    assert node.state() == "unconfigured"
    spin_until(
        ros_node,
        lambda: scales and statuses and "lifecycle state unconfigured" in statuses[-1].reason,
        20.0,
        "the unconfigured node's decisions",
    )
    assert {v for _, v in scales} == {0.0}

    assert not node.transition(Transition.TRANSITION_CONFIGURE), "bad rules_file accepted"
    assert node.state() == "unconfigured"
    assert "cannot read action rules" in processes.output(safety)
    assert node.set("rules_file", "")
    assert node.transition(Transition.TRANSITION_CONFIGURE)
    assert node.state() == "inactive"
    spin_until(
        ros_node,
        lambda: "lifecycle state inactive" in statuses[-1].reason,
        20.0,
        "the inactive node's decisions",
    )
    assert {v for _, v in scales} == {0.0}

    assert node.transition(Transition.TRANSITION_ACTIVATE)
    spin_until(ros_node, lambda: scales[-1][1] > 0.3, 30.0, "the robot to run when active")
    before = len(statuses)
    assert node.transition(Transition.TRANSITION_DEACTIVATE)
    replied_ns = time.time_ns()
    spin_until(
        ros_node,
        lambda: (
            scales[-1][1] == 0.0
            and any("lifecycle state inactive" in m.reason for m in statuses[before:])
        ),
        20.0,
        "0 on deactivate",
    )
    # 0 at once: decided during the transition, not at a later tick (the node's clock)
    first = next(m for m in statuses[before:] if "lifecycle state inactive" in m.reason)
    assert first.speed_scale == 0.0 and stamp_to_ns(first.header.stamp) <= replied_ns
    assert node.transition(Transition.TRANSITION_ACTIVATE)  # startup again, then running
    spin_until(
        ros_node,
        lambda: statuses[-1].state == SafetyStatus.STATE_STARTUP,
        20.0,
        "startup after re-activation",
    )
    spin_until(ros_node, lambda: scales[-1][1] > 0.3, 30.0, "running again")
    assert node.transition(Transition.TRANSITION_DEACTIVATE)
    assert node.transition(Transition.TRANSITION_CLEANUP)
    assert node.state() == "unconfigured"
    spin_until(
        ros_node,
        lambda: "unconfigured" in statuses[-1].reason and scales[-1][1] == 0.0,
        20.0,
        "the cleaned-up node's decisions",
    )

    assert node.transition(Transition.TRANSITION_UNCONFIGURED_SHUTDOWN)
    spin_until(
        ros_node,
        lambda: "lifecycle state finalized" in statuses[-1].reason,
        20.0,
        "the finalized node's last decision",
    )
    settle(ros_node, 0.5)  # what was on its way has arrived
    last = len(scales)
    settle(ros_node, 0.5)
    assert len(scales) == last and scales[-1][1] == 0.0, "finalized: a last 0, then silence"


def test_pose_node_configure_refuses_a_missing_model_then_runs(
    ros_node, processes, topic_prefix, tmp_path
):
    ns = topic_prefix
    arrays = []
    sub = ros_node.create_subscription(SkeletonArray, f"{ns}/skeletons", arrays.append, 10)
    pose = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={ns}",
        "-p",
        "autostart:=false",
        "-p",
        f"model_path:={tmp_path / 'missing.tflite'}",
        module="har_ros.nodes.pose_node",
    )
    node = Lifecycle(ros_node, f"{ns}/pose_node")
    assert not node.transition(Transition.TRANSITION_CONFIGURE)
    assert "missing.tflite" in processes.output(pose) and node.state() == "unconfigured"
    assert node.set("model_path", "")
    assert node.transition(Transition.TRANSITION_CONFIGURE)
    assert node.transition(Transition.TRANSITION_ACTIVATE)
    assert node.state() == "active"
    assert sub.get_publisher_count() >= 0  # the publisher exists in every state
    assert node.transition(Transition.TRANSITION_DEACTIVATE)
    assert node.transition(Transition.TRANSITION_CLEANUP)
    assert node.transition(Transition.TRANSITION_UNCONFIGURED_SHUTDOWN)
    assert node.state() == "finalized"


def test_action_node_configure_refuses_a_bad_checkpoint(
    ros_node, processes, topic_prefix, tmp_path
):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    action = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-p",
        "autostart:=false",
        "-p",
        f"model_path:={bad}",
        module="har_ros.nodes.action_node",
    )
    node = Lifecycle(ros_node, f"{topic_prefix}/action_node")
    assert not node.transition(Transition.TRANSITION_CONFIGURE)
    assert "model refused" in processes.output(action)
    assert node.set("model_path", "")
    assert node.transition(Transition.TRANSITION_CONFIGURE)
    assert node.transition(Transition.TRANSITION_ACTIVATE)
    assert node.state() == "active"


def test_autostart_failure_exits_2_with_the_reason(processes, topic_prefix, tmp_path):
    proc = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-p",
        f"model_path:={tmp_path / 'missing.pt'}",
        module="har_ros.nodes.action_node",
    )
    assert proc.wait(timeout=60) == 2
    assert "could not start" in processes.output(proc)
