"""End to end over real DDS: bags replayed into the nodes, each in its own process."""

import collections
import time

import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticArray

from har_msgs.msg import ActionArray, SafetyStatus, SkeletonArray
from har_ros.action.labels import label_at, read_labels
from har_ros.action.recognizer import DEFAULT_MODEL
from har_ros.action.synth import make_stream
from har_ros.bags.scenario import START_NS, write_skeleton_scenario, write_video_bag
from har_ros.ros.graph import spin_until, wait_for_publishers
from har_ros.ros.stamps import stamp_to_ns
from har_ros.safety.node_config import SHIPPED_RULES, SafetyNodeConfig
from har_ros.safety.rules import RuleSet
from har_ros.safety.ssm import protective_distance

pytestmark = [
    pytest.mark.graph,
    pytest.mark.slow,
    pytest.mark.skipif(not DEFAULT_MODEL.exists(), reason="shipped model missing"),
]
ZONE = (3.0, -0.7)
RADIUS = 0.3


def node(processes, ns, module, *params):
    args = ["--ros-args", "-r", f"__ns:={ns}"]
    for p in params:
        args += ["-p", p]
    return processes.start(*args, module=module)


def test_skeleton_scenario_actions_and_speed(ros_node, processes, topic_prefix, tmp_path):
    frames = make_stream(people=3, seconds=40, seed=5021)
    bag = tmp_path / "scenario"
    write_skeleton_scenario(frames, 30.0, bag)
    truth = read_labels(bag / "labels.csv")
    actions, statuses = [], []
    ns = topic_prefix
    a_sub = ros_node.create_subscription(ActionArray, f"{ns}/action", actions.append, 100)
    s_sub = ros_node.create_subscription(
        SafetyStatus, f"{ns}/safety/status", lambda m: statuses.append((time.monotonic(), m)), 100
    )
    node(processes, ns, "har_ros.nodes.action_node")
    # Bag stamps are bag time: the safety node judges them on the bag's /clock (sim time).
    node(
        processes,
        ns,
        "har_ros.nodes.safety_node",
        "robot_zone_type:=circle",
        f"robot_zone_points:=[{ZONE[0]}, {ZONE[1]}]",
        f"robot_zone_radius:={RADIUS}",
        "startup_healthy_time:=0.5",
        "ramp_up_rate:=0.5",
        "use_sim_time:=true",
    )
    wait_for_publishers(ros_node, a_sub, timeout=30)
    wait_for_publishers(ros_node, s_sub, timeout=30)
    spin_until(ros_node, lambda: len(statuses) > 25, timeout=20, what="startup statuses")
    assert all(
        m.speed_scale == 0.0 and m.state == SafetyStatus.STATE_STARTUP for _, m in statuses
    ), "startup must hold 0"
    replay = processes.start(
        "replay",
        str(bag),
        "--wait",
        "15",
        "--topics",
        "/skeletons",
        "--remap-prefix",
        ns,
        "--clock",
        module="har_ros.cli.main",
    )
    spin_until(ros_node, lambda: replay.poll() is not None, timeout=90, what="the replay")
    assert replay.returncode == 0, processes.output(replay)
    end = time.monotonic() + 1.5
    spin_until(ros_node, lambda: time.monotonic() > end, timeout=3)

    # Actions: accuracy against the labels of the window's end, after the first window.
    correct = total = 0
    seen = collections.Counter()
    for msg in actions:
        for a in msg.actions:
            t_end = stamp_to_ns(a.window_end) * 1e-9
            t_mid = (stamp_to_ns(a.window_start) + stamp_to_ns(a.window_end)) * 0.5e-9
            label = label_at(truth, a.track_id, t_mid)
            seen[a.track_id] += 1
            if label is None or label_at(truth, a.track_id, t_end) != label:
                continue  # a window across an action boundary has no single truth
            total += 1
            correct += a.label == label
    assert set(seen) == {1, 2, 3}
    assert total > 100 and correct / total >= 0.9, f"accuracy {correct}/{total}"

    # Safety: 0 whenever someone is inside the stop distance of the rule in force.
    rules = RuleSet.from_yaml(SHIPPED_RULES)
    ssm = SafetyNodeConfig().ssm_parameters()
    running = [m for _, m in statuses if m.state != SafetyStatus.STATE_STARTUP]
    assert running
    for m in running:
        if np.isnan(m.min_separation) or not m.active_rules:
            continue
        nearest_rule = next(
            (r for r in m.active_rules if r.endswith(f"@{m.nearest_track_id}")), m.active_rules[0]
        )
        rule = rules.rules.get(nearest_rule.split("@")[0], rules.conservative)
        stop = protective_distance(0.0, rule.human_speed, ssm, rule.extra_margin)
        if m.min_separation < stop:
            assert m.speed_scale == 0.0, (m.min_separation, stop, m.reason)
    stopped = [i for i, m in enumerate(running) if m.speed_scale == 0.0]
    assert stopped, "the scenario never brought anyone inside the protective distance"
    assert any(m.speed_scale > 0.0 for m in running[stopped[0] :]), "never recovered"


def test_image_bag_through_pose_action_and_safety(ros_node, processes, topic_prefix, tmp_path):
    from har_ros.assets import AssetError, asset_path

    try:
        video = str(asset_path("sports2d_demo.mp4"))
    except AssetError as exc:
        pytest.skip(str(exc))
    bag = tmp_path / "images"
    write_video_bag(video, bag, frames=150)
    ns = topic_prefix
    skeletons, actions, statuses = [], [], []
    k_sub = ros_node.create_subscription(SkeletonArray, f"{ns}/skeletons", skeletons.append, 200)
    ros_node.create_subscription(ActionArray, f"{ns}/action", actions.append, 200)
    s_sub = ros_node.create_subscription(SafetyStatus, f"{ns}/safety/status", statuses.append, 200)
    pose_counts = {}  # the pose node's own account of the frames it took
    ros_node.create_subscription(
        DiagnosticArray,
        "/diagnostics",
        lambda d: pose_counts.update(
            {
                v.key: v.value
                for s in d.status
                if s.name == f"{ns}/pose_node: pose"
                for v in s.values
            }
        ),
        50,
    )
    node(processes, ns, "har_ros.nodes.pose_node")
    node(processes, ns, "har_ros.nodes.action_node")
    node(
        processes, ns, "har_ros.nodes.safety_node", "unlocated_max_scale:=0.5", "use_sim_time:=true"
    )
    wait_for_publishers(ros_node, k_sub, timeout=30)
    wait_for_publishers(ros_node, s_sub, timeout=30)
    replay = processes.start(
        "replay",
        str(bag),
        "--wait",
        "15",
        "--remap-prefix",
        ns,
        "--clock",
        module="har_ros.cli.main",
    )
    spin_until(ros_node, lambda: replay.poll() is not None, timeout=90, what="the replay")

    # 150 frames at 30 Hz: pose_node takes the newest and drops what it cannot keep up
    # with. How many it processes is the machine's figure; on any machine every frame it
    # received was processed (one array each) or counted as dropped.
    def accounted() -> bool:
        counts = {
            k: int(float(pose_counts.get(k, -1)))
            for k in ("received", "processed", "dropped", "malformed")
        }
        return (
            counts["received"] > 0
            and counts["received"] == counts["processed"] + counts["dropped"] + counts["malformed"]
            and len(skeletons) == counts["processed"]
        )

    spin_until(ros_node, accounted, timeout=30, what="every frame processed or counted dropped")
    image_stamps = {START_NS + round(i * 1e9 / 30.0) for i in range(150)}
    skeleton_stamps = [stamp_to_ns(m.header.stamp) for m in skeletons]
    assert skeletons and set(skeleton_stamps) <= image_stamps
    spin_until(ros_node, lambda: actions, timeout=30, what="actions from the real video")
    for msg in actions:
        assert stamp_to_ns(msg.header.stamp) in image_stamps
        for a in msg.actions:
            assert stamp_to_ns(a.window_end) in set(skeleton_stamps)
    spin_until(
        ros_node,
        lambda: any(
            m.state in (SafetyStatus.STATE_NORMAL, SafetyStatus.STATE_REDUCED) for m in statuses
        ),
        timeout=30,
        what="speed commands leaving startup",
    )
