"""Soak: skeleton frames of 5 people coming and going through action and safety nodes.

Every published frame must be accounted for by each node (received, then
processed or counted as dropped), and each node's resident memory may grow by
less than 10 % between the first and the last quarter of the run.

Accelerated with flow control: frames go out as fast as the slower node
takes them, never more than its reader queue (100) ahead of what it has
answered (the safety node's status names each skeleton stamp it decided on;
each action array names the newest stamp of its step). So the run is as
short as the machine allows and never overflows a queue on a slow day.
"""

import os
import time

import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.executors import SingleThreadedExecutor

from har_msgs.msg import ActionArray, SafetyStatus, SkeletonArray
from har_ros.action.recognizer import DEFAULT_MODEL
from har_ros.common.process_stats import rss_kb
from har_ros.ros.graph import spin_until, wait_for_subscribers
from har_ros.ros.skeleton_msgs import frame_to_msg
from har_ros.ros.stamps import ns_to_stamp, stamp_to_ns
from har_ros.skeleton.types import Person, PositionSource, SkeletonFrame

pytestmark = [
    pytest.mark.graph,
    pytest.mark.slow,
    pytest.mark.skipif(not DEFAULT_MODEL.exists(), reason="shipped model missing"),
]
FRAMES = int(os.environ.get("HAR_SOAK_FRAMES", 10_000))  # 20,000 for the documented run
CAMERA_HZ = 30.0  # the frames' stamps are a 30 Hz camera's
START_NS = 1_700_000_100_000_000_000
SAFETY_AHEAD = 60  # frames ahead of the safety node's last decision
ACTION_AHEAD = 90  # the action node answers only once a 32-frame window at 15 Hz (62) is full


def frame(i: int, rng) -> SkeletonFrame:
    people = []
    for slot in range(5):
        life = 600  # frames a person stays before a new id takes the slot
        track = 1 + slot + 5 * ((i + slot * 120) // life)
        kp = rng.uniform(100, 400, (17, 3)).astype(np.float32)
        kp[:, 2] = 0.9
        people.append(
            Person(
                kp,
                "coco17",
                0.9,
                (100, 100, 200, 400),
                track_id=track,
                position=np.array([3.0 + slot, 0.0, 0.0]),
                position_source=PositionSource.FLOOR,
                position_frame_id="floor",
            )
        )
    return SkeletonFrame(1_700_000_000_000_000_000 + round(i * 1e9 / 30), "cam", 640, 480, people)


def test_soak_accounts_for_every_frame_and_memory_stays_flat(ros_node, processes, topic_prefix):
    ns = topic_prefix
    action = processes.start("--ros-args", "-r", f"__ns:={ns}", module="har_ros.nodes.action_node")
    safety = processes.start("--ros-args", "-r", f"__ns:={ns}", module="har_ros.nodes.safety_node")
    diagnostics = {}

    def on_diag(msg):
        for status in msg.status:
            diagnostics[status.name] = {kv.key: kv.value for kv in status.values}

    ros_node.create_subscription(DiagnosticArray, "/diagnostics", on_diag, 50)
    answered = {"safety": -1, "action": -1}  # newest frame index each node has answered

    def frame_index(stamp) -> int:
        return round((stamp_to_ns(stamp) - START_NS) * CAMERA_HZ / 1e9)

    ros_node.create_subscription(
        SafetyStatus,
        f"{ns}/safety/status",
        lambda m: answered.update(safety=max(answered["safety"], frame_index(m.skeletons_stamp))),
        1000,
    )
    ros_node.create_subscription(
        ActionArray,
        f"{ns}/action",
        lambda m: answered.update(action=max(answered["action"], frame_index(m.header.stamp))),
        1000,
    )
    pub = ros_node.create_publisher(SkeletonArray, f"{ns}/skeletons", 1000)
    wait_for_subscribers(ros_node, pub, count=2, timeout=30)

    def diagnostics_of(name):
        return next((v for k, v in diagnostics.items() if k.startswith(f"{ns}/{name}:")), {})

    def received(name, key):
        return int(diagnostics_of(name).get(key, -1))

    # Warm up until both nodes have matched and received something, then take the
    # counters as the baseline: only frames sent after that are accounted for.
    warm = frame_to_msg(frame(0, np.random.default_rng(1)))
    deadline = time.monotonic() + 30
    while (
        received("action_node", "received") < 1 or received("safety_node", "skeletons_received") < 1
    ):
        assert time.monotonic() < deadline, "nodes never received the warm-up frames"
        pub.publish(warm)
        end = time.monotonic() + 0.2
        spin_until(ros_node, lambda e=end: time.monotonic() > e, timeout=1)
    end = time.monotonic() + 2.5  # two diagnostics periods without input
    spin_until(ros_node, lambda: time.monotonic() > end, timeout=4)
    base_action = received("action_node", "received")
    base_safety = received("safety_node", "skeletons_received")
    rng = np.random.default_rng(0)
    messages = [frame_to_msg(frame(i, rng)) for i in range(600)]
    rss = {"action": [], "safety": []}
    executor = SingleThreadedExecutor(context=ros_node.context)
    executor.add_node(ros_node)

    def may_send(i: int) -> bool:
        return (
            i - answered["safety"] <= SAFETY_AHEAD
            and i - max(answered["action"], 0) <= ACTION_AHEAD
        )

    started = time.monotonic()
    for i in range(FRAMES):
        msg = messages[i % len(messages)]
        msg.header.stamp = ns_to_stamp(START_NS + round(i * 1e9 / CAMERA_HZ))
        executor.spin_once(timeout_sec=0)
        if not may_send(i):
            spin_until(
                ros_node,
                lambda i=i: may_send(i),
                timeout=30,
                executor=executor,
                what=f"the nodes to answer frame {i - SAFETY_AHEAD} ({answered})",
            )
        pub.publish(msg)
        if i % 500 == 0:
            rss["action"].append(rss_kb(action.pid))
            rss["safety"].append(rss_kb(safety.pid))
    executor.remove_node(ros_node)
    executor.shutdown(timeout_sec=0)

    try:
        spin_until(
            ros_node,
            lambda: (
                received("action_node", "received") - base_action >= FRAMES
                and received("safety_node", "skeletons_received") - base_safety >= FRAMES
            ),
            timeout=30,
            what="both nodes to account for every frame",
        )
    except TimeoutError:
        pytest.fail(
            f"published {FRAMES}, action_node received "
            f"{received('action_node', 'received')}, safety_node received "
            f"{received('safety_node', 'skeletons_received')}: {diagnostics}"
        )
    report = {
        "frames": FRAMES,
        "seconds": round(time.monotonic() - started, 1),
        "action_node": diagnostics_of("action_node"),
        "safety_node": diagnostics_of("safety_node"),
    }
    for name, samples in rss.items():
        quarter = len(samples) // 4
        first, last = np.mean(samples[:quarter]), np.mean(samples[-quarter:])
        report[f"{name}_rss_kb_first_last_quarter"] = (round(first), round(last))
        assert last < 1.10 * first, f"{name} RSS grew from {first:.0f} to {last:.0f} kB"
    print(f"soak figures: {report}")  # quoted in docs/RELIABILITY.md (run with -s)
