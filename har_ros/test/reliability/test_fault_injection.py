"""Fault injection over real DDS: nodes killed and restarted while the system runs."""

import time

import pytest

from har_msgs.msg import SafetyStatus
from har_ros.action.recognizer import DEFAULT_MODEL
from har_ros.action.synth import make_stream
from har_ros.bags.scenario import write_skeleton_scenario
from har_ros.bench.cell import unsafe_decision
from har_ros.ros.graph import spin_until, wait_for_publishers

pytestmark = [pytest.mark.graph, pytest.mark.slow]


def start(processes, ns, module, *params):
    args = ["--ros-args", "-r", f"__ns:={ns}"]
    for p in params:
        args += ["-p", p]
    return processes.start(*args, module=module)


def test_killed_pose_node_stops_the_robot_and_a_restart_recovers(ros_node, processes, topic_prefix):
    from har_ros.assets import AssetError, asset_path

    try:
        asset_path("sports2d_demo.mp4")
    except AssetError as exc:
        pytest.skip(str(exc))
    ns = topic_prefix
    statuses = []
    sub = ros_node.create_subscription(
        SafetyStatus, f"{ns}/safety/status", lambda m: statuses.append((time.monotonic(), m)), 1000
    )
    start(
        processes,
        ns,
        "har_ros.nodes.safety_node",
        "unlocated_max_scale:=1.0",
        "ramp_up_rate:=2.0",
        "startup_healthy_time:=0.5",
    )
    start(processes, ns, "har_ros.nodes.video_publisher", "loop:=true", "rate:=15.0")
    pose = start(processes, ns, "har_ros.nodes.pose_node")
    wait_for_publishers(ros_node, sub, timeout=30)
    running = lambda: statuses and statuses[-1][1].speed_scale > 0.3  # noqa: E731
    spin_until(ros_node, running, timeout=60, what="the robot to run")
    pose.kill()
    pose.wait(timeout=10)
    killed = len(statuses)
    spin_until(
        ros_node,
        lambda: len(statuses) > killed and "skeletons stale" in statuses[-1][1].reason,
        timeout=30,
        what="the stop on stale skeletons",
    )
    stop = statuses[-1][1]
    assert stop.speed_scale == 0.0 and stop.state == SafetyStatus.STATE_PROTECTIVE_STOP
    # How soon is the machine's figure (`har bench safety`); on any machine no decision
    # let the robot move on skeletons older than the timeout (0.5 s, the default).
    unsafe = [p for _, m in statuses if (p := unsafe_decision(m, 0.5)) is not None]
    assert not unsafe, unsafe[:3]
    start(processes, ns, "har_ros.nodes.pose_node")  # only the pose node is restarted
    spin_until(ros_node, running, timeout=60, what="recovery after the restart")


@pytest.mark.skipif(not DEFAULT_MODEL.exists(), reason="shipped model missing")
def test_killed_action_node_falls_back_to_the_conservative_rule(
    ros_node, processes, topic_prefix, tmp_path
):
    ns = topic_prefix
    bag = tmp_path / "scenario"
    # long enough that a slow machine classifies and falls back before the bag ends
    write_skeleton_scenario(make_stream(people=2, seconds=90, seed=7, enter_leave=False), 30.0, bag)
    statuses = []
    sub = ros_node.create_subscription(SafetyStatus, f"{ns}/safety/status", statuses.append, 100)
    action = start(processes, ns, "har_ros.nodes.action_node")
    # The bag's stamps are its own time: the safety node follows its /clock (sim time).
    start(
        processes,
        ns,
        "har_ros.nodes.safety_node",
        "robot_zone_points:=[10.0, 0.0]",
        "startup_healthy_time:=0.3",
        "use_sim_time:=true",
    )
    wait_for_publishers(ros_node, sub, timeout=30)
    processes.start(
        "replay",
        str(bag),
        "--wait",
        "15",
        "--remap-prefix",
        ns,
        "--clock",
        module="har_ros.cli.main",
    )

    # Inputs turn healthy before every person's first window is full; until then a
    # person is on the conservative rule, so wait for both.
    def classified():
        latest = statuses[-1] if statuses else None
        return (
            latest is not None
            and latest.inputs
            and all(i.healthy for i in latest.inputs)
            and "conservative" not in latest.reason
        )

    spin_until(ros_node, classified, timeout=80, what="inputs healthy and every person classified")
    action.kill()
    spin_until(
        ros_node,
        lambda: "actions stale, conservative rule" in statuses[-1].reason,
        timeout=30,
        what="the conservative fallback",
    )
    last = statuses[-1]
    assert last.state != SafetyStatus.STATE_PROTECTIVE_STOP  # distance-only, not a stop
    assert all(r.startswith("conservative@") for r in last.active_rules)
