"""action_node in its own process: a synthetic multi-person stream in, /action out."""

import collections
import itertools
import re
import time

import numpy as np
import pytest
from rcl_interfaces.srv import SetParameters
from rclpy.parameter import Parameter

from har_msgs.msg import ActionArray, SkeletonArray
from har_ros.action.recognizer import DEFAULT_MODEL
from har_ros.action.synth import load_stream, make_stream, save_stream
from har_ros.ros.graph import call_service, spin_until, wait_for_publishers, wait_for_subscribers
from har_ros.ros.stamps import stamp_to_ns

pytestmark = [
    pytest.mark.graph,
    pytest.mark.skipif(not DEFAULT_MODEL.exists(), reason="shipped model missing"),
]
START_NS = 1_700_000_000_000_000_000


def window_truth(frames, track_id, start_ns, end_ns):
    """The label if one action covers the window's start, middle and end, else None."""
    labels = {}
    for f in frames:
        for p in f.people:
            if p["track_id"] == track_id:
                labels[START_NS + round(f.stamp * 1e9)] = p["label"]
    if not labels:
        return None
    found = {
        labels[min(labels, key=lambda s, t=t: abs(s - t))]
        for t in (start_ns, (start_ns + end_ns) // 2, end_ns)
    }
    return found.pop() if len(found) == 1 else None


def test_stream_to_actions_match_ground_truth(ros_node, processes, topic_prefix, tmp_path):
    stream = tmp_path / "stream.npz"
    save_stream(make_stream(people=3, seconds=20, seed=5011), stream, 30.0)
    frames = load_stream(stream)
    stamps = {START_NS + round(f.stamp * 1e9) for f in frames}
    received = []
    sub = ros_node.create_subscription(ActionArray, f"{topic_prefix}/action", received.append, 100)
    processes.start("--ros-args", "-r", f"__ns:={topic_prefix}", module="har_ros.nodes.action_node")
    wait_for_publishers(ros_node, sub, timeout=30)
    publisher = processes.start(
        f"{topic_prefix}/skeletons", str(stream), str(START_NS), "1.0", script="publish_stream.py"
    )
    spin_until(ros_node, lambda: publisher.poll() is not None, timeout=60, what="the stream")
    late = time.monotonic() + 1.0
    spin_until(ros_node, lambda: time.monotonic() > late, timeout=2.0, what="late messages")
    actions = [(m, a) for m in received for a in m.actions]
    assert actions, "no actions published"
    correct, total, per_person = 0, 0, collections.Counter()
    for msg, action in actions:
        start, end = stamp_to_ns(action.window_start), stamp_to_ns(action.window_end)
        assert (end in stamps and start in stamps) or abs(
            min(stamps, key=lambda s: abs(s - start)) - start
        ) < 2_000_000
        assert stamp_to_ns(msg.header.stamp) >= end
        assert len(action.scores) == len(msg.class_names) == 5
        assert np.isclose(sum(action.scores), 1.0, atol=1e-3)
        per_person[action.track_id] += 1
        truth = window_truth(frames, action.track_id, start, end)
        if truth is None:
            continue  # a window across an action boundary has no single truth
        total += 1
        correct += action.label == truth
    ids_in_stream = {p["track_id"] for f in frames for p in f.people}
    assert set(per_person) == ids_in_stream
    assert correct / total >= 0.9, f"accuracy {correct / total:.3f} over {total} windows"


def test_hot_swap_good_and_incompatible_checkpoints(ros_node, processes, topic_prefix, tmp_path):
    processes.start("--ros-args", "-r", f"__ns:={topic_prefix}", module="har_ros.nodes.action_node")
    client = ros_node.create_client(SetParameters, f"{topic_prefix}/action_node/set_parameters")
    spin_until(ros_node, client.service_is_ready, timeout=30, what="the parameter service")

    def set_model(path):  # loading a checkpoint takes a moment: wait longer per attempt
        return call_service(
            ros_node,
            client,
            SetParameters.Request(
                parameters=[Parameter("model_path", value=str(path)).to_parameter_msg()]
            ),
            timeout=30,
            attempt_timeout=10,
        ).results[0]

    (tmp_path / "broken.pt").write_bytes(b"\x00" * 100)
    refused = set_model(tmp_path / "broken.pt")
    assert not refused.successful and "old one keeps running" in refused.reason
    assert set_model(DEFAULT_MODEL).successful
    # The node still works after the refused swap.
    received = []
    sub = ros_node.create_subscription(ActionArray, f"{topic_prefix}/action", received.append, 10)
    pub = ros_node.create_publisher(SkeletonArray, f"{topic_prefix}/skeletons", 100)
    wait_for_subscribers(ros_node, pub, timeout=20)
    wait_for_publishers(ros_node, sub, timeout=20)
    from har_ros.ros.skeleton_msgs import frame_to_msg
    from har_ros.skeleton.types import Person, SkeletonFrame

    kp = np.random.default_rng(0).uniform(100, 300, (17, 3)).astype(np.float32)
    kp[:, 2] = 0.9
    for i in range(100):  # > one window span (32 frames at 15 Hz = 2.1 s)
        people = [Person(kp + i, "coco17", 0.9, (0, 0, 10, 10), track_id=4)]
        if i == 30:  # a malformed message: NaN keypoints and a duplicated id
            bad = kp.copy()
            bad[:, 0] = np.nan
            people += [Person(bad, "coco17", 0.9, (0, 0, 1, 1), track_id=4)]
        pub.publish(frame_to_msg(SkeletonFrame(START_NS + i * 33_333_333, "cam", 640, 480, people)))
        step = time.monotonic() + 0.03
        spin_until(ros_node, lambda end=step: time.monotonic() > end, timeout=1.0)
    spin_until(ros_node, lambda: received, timeout=10, what="actions after the swap")
    assert received[-1].actions[0].track_id == 4


def test_a_bad_model_at_start_stops_the_node_with_the_reason(processes, topic_prefix, tmp_path):
    (tmp_path / "broken.pt").write_bytes(b"\x00" * 100)
    node = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-p",
        f"model_path:={tmp_path / 'broken.pt'}",
        module="har_ros.nodes.action_node",
    )
    assert node.wait(timeout=60) == 2
    output = processes.output(node)
    assert "[FATAL] ActionNode could not start: model refused:" in output
    assert "corrupt or truncated" in output and "old one" not in output


def test_unconvertible_layout_is_dropped_with_one_rate_limited_warning(
    ros_node, processes, topic_prefix
):
    from har_ros.ros.skeleton_msgs import frame_to_msg
    from har_ros.skeleton.types import Person, SkeletonFrame

    node = processes.start(
        "--ros-args", "-r", f"__ns:={topic_prefix}", module="har_ros.nodes.action_node"
    )
    pub = ros_node.create_publisher(SkeletonArray, f"{topic_prefix}/skeletons", 100)
    wait_for_subscribers(ros_node, pub, timeout=30)
    hand = np.full((5, 3), 0.9, np.float32)
    line = "dropped skeletons in layout 'my_hand_layout': no conversion to the model's 'coco17'"
    started = time.monotonic()
    for i in range(60):  # 2 s of a 30 Hz camera, well inside one 5 s throttle period
        pub.publish(
            frame_to_msg(
                SkeletonFrame(
                    START_NS + i * 33_333_333,
                    "cam",
                    640,
                    480,
                    [Person(hand, "my_hand_layout", 0.9, (0, 0, 1, 1), track_id=1)],
                )
            )
        )
        step = time.monotonic() + 0.033
        spin_until(ros_node, lambda end=step: time.monotonic() > end, timeout=1.0)
    spin_until(
        ros_node, lambda: line in processes.output(node), timeout=10, what="the layout warning"
    )
    # Judged on the node's own log stamps, not on how fast this machine sent 60 frames.
    stamps = [
        float(m)
        for m in re.findall(
            r"\[(\d+\.\d+)\] \[[^]]*action_node\]: " + re.escape(line), processes.output(node)
        )
    ]
    assert stamps and all(b - a >= 4.9 for a, b in itertools.pairwise(stamps)), stamps
    assert len(stamps) <= 1 + (time.monotonic() - started) / 5.0
    assert node.poll() is None


def test_an_array_of_too_many_people_is_dropped_and_counted(ros_node, processes, topic_prefix):
    """Found and fixed: the action node had no max_people (fusion and action were unbounded)."""
    from har_ros.ros.skeleton_msgs import frame_to_msg
    from har_ros.skeleton.types import Person, SkeletonFrame

    node = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-p",
        "max_people:=5",
        module="har_ros.nodes.action_node",
    )
    pub = ros_node.create_publisher(SkeletonArray, f"{topic_prefix}/skeletons", 100)
    wait_for_subscribers(ros_node, pub, timeout=30)
    crowd = [
        Person(np.full((17, 3), 0.9, np.float32), "coco17", 0.9, (0, 0, 10, 10), k)
        for k in range(6)
    ]
    pub.publish(frame_to_msg(SkeletonFrame(START_NS, "cam", 640, 480, crowd)))
    spin_until(
        ros_node,
        lambda: "dropped a SkeletonArray of 6 people (max_people 5)" in processes.output(node),
        timeout=20,
        what="the drop warning",
    )
    assert node.poll() is None


def _arm_checkpoint(path):
    """A tiny untrained ST-GCN on a custom 3-joint layout (6 frames at 10 Hz), saved."""
    from har_ros.action.checkpoint import Checkpoint
    from har_ros.action.models import build_model
    from har_ros.action.train import TrainConfig
    from har_ros.skeleton.layouts import Layout

    arm = Layout("arm3", ("shoulder", "elbow", "wrist"), ((0, 1), (1, 2)))
    norm = TrainConfig(window=6, sampling="crop", rate_hz=10.0).normalisation()
    config = {"widths": [8], "strides": [1], "kernel": 3}
    model = build_model("stgcn", norm.channels(2), 2, arm, config)
    Checkpoint(
        "stgcn",
        config,
        model.state_dict(),
        ["reach", "rest"],
        arm,
        ("x", "y", "score"),
        norm,
        stride=1,
    ).save(path)
    return path


def _arm_frame(i, joints, track_id):
    from har_ros.ros.skeleton_msgs import frame_to_msg
    from har_ros.skeleton.types import Person, SkeletonFrame

    points = np.full((joints, 3), 100.0 + i, np.float32)
    points[:, 0] += np.arange(joints) * 10.0
    points[:, 2] = 0.9
    return frame_to_msg(
        SkeletonFrame(
            START_NS + i * 100_000_000,
            "cam",
            640,
            480,
            [Person(points, "arm3", 0.9, (0, 0, 1, 1), track_id)],
        )
    )


def test_skeletons_that_misfit_a_custom_layout_are_dropped_and_the_node_goes_on(
    ros_node, processes, topic_prefix, tmp_path
):
    """Found and fixed: one skeleton of 0 (or 5) joints for a 3-joint model killed the node."""
    from diagnostic_msgs.msg import DiagnosticArray

    node = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-p",
        f"model_path:={_arm_checkpoint(tmp_path / 'arm.pt')}",
        module="har_ros.nodes.action_node",
    )
    received, drops = [], {}

    def on_diagnostics(msg):
        for status in msg.status:
            if status.name.startswith(f"{topic_prefix}/"):
                drops.update({v.key: v.value for v in status.values})

    sub = ros_node.create_subscription(ActionArray, f"{topic_prefix}/action", received.append, 100)
    ros_node.create_subscription(DiagnosticArray, "/diagnostics", on_diagnostics, 10)
    pub = ros_node.create_publisher(SkeletonArray, f"{topic_prefix}/skeletons", 100)
    wait_for_subscribers(ros_node, pub, timeout=30)
    wait_for_publishers(ros_node, sub, timeout=20)
    for i in range(24):  # 0 joints, then 5 (past one window), then the right 3
        pub.publish(_arm_frame(i, 0 if i == 0 else 5 if i < 10 else 3, 2 if i < 10 else 1))
        step = time.monotonic() + 0.03
        spin_until(ros_node, lambda end=step: time.monotonic() > end, timeout=1.0)
    spin_until(
        ros_node,
        lambda: received and drops.get("dropped_bad_shape") == "10",
        timeout=10,
        what="actions and the bad_shape count",
    )
    assert {a.track_id for m in received for a in m.actions} == {1}
    assert node.poll() is None


def test_a_message_the_recognizer_fails_on_is_counted_and_the_node_goes_on(
    ros_node, topic_prefix, tmp_path, monkeypatch
):
    """The guard for holes no check foresaw: count, restart every window, keep publishing."""
    from rclpy.executors import SingleThreadedExecutor

    from har_ros.nodes.action_node import ActionNode

    node = ActionNode(
        context=ros_node.context,
        namespace=topic_prefix,
        parameter_overrides=[
            Parameter("model_path", value=str(_arm_checkpoint(tmp_path / "arm.pt")))
        ],
    )
    executor = SingleThreadedExecutor(context=ros_node.context)
    executor.add_node(ros_node)
    executor.add_node(node)
    try:
        node.configure()
        node.activate()
        recognizer = node._recognizer
        received = []
        sub = ros_node.create_subscription(
            ActionArray, f"{topic_prefix}/action", received.append, 100
        )
        pub = ros_node.create_publisher(SkeletonArray, f"{topic_prefix}/skeletons", 100)
        wait_for_subscribers(ros_node, pub, timeout=20, executor=executor)
        wait_for_publishers(ros_node, sub, timeout=20, executor=executor)

        def fail():
            raise RuntimeError("a hole no check foresaw")

        monkeypatch.setattr(recognizer.buffers, "ready", fail)
        for i in range(3):
            pub.publish(_arm_frame(i, 3, 1))
        spin_until(
            ros_node,
            lambda: node.drops.counts.get("step_errors") == 3,
            timeout=10,
            what="three counted failures",
            executor=executor,
        )
        assert not recognizer.buffers.people  # every window restarted
        monkeypatch.undo()
        for i in range(3, 12):
            pub.publish(_arm_frame(i, 3, 1))
        spin_until(
            ros_node,
            lambda: received,
            timeout=10,
            what="actions after the failures",
            executor=executor,
        )
        assert node.drops.counts["step_errors"] == 3
    finally:
        executor.shutdown()
        node.destroy_node()
