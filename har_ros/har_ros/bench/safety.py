"""Safety node reaction times, measured over real DDS with the node in its own process.

1. silent input: from the last skeleton published to the first speed_scaling 0;
2. threshold crossing: from the first skeleton inside the protective distance
   to the first speed_scaling 0 (the person stepped from far to near).
"""

from __future__ import annotations

import time
import uuid

import numpy as np

from ..runtime.processes import start_node, stop_processes
from .stats import summarise

TIMEOUT_S = 0.5
RATE_HZ = 50.0


def person_on_floor_msg(x: float, stamp_ns: int | None = None):
    """A SkeletonArray with one tracked person (id 1) standing at floor (x, 0) m."""
    from ..ros.skeleton_msgs import frame_to_msg
    from ..skeleton.types import Person, PositionSource, SkeletonFrame

    person = Person(keypoints=np.full((17, 3), 0.9, np.float32), layout="coco17", score=0.9,
                    bbox=(100.0, 100.0, 200.0, 400.0), track_id=1,
                    position=np.array([x, 0.0, 0.0]), position_source=PositionSource.FLOOR,
                    position_frame_id="floor")
    stamp_ns = time.time_ns() if stamp_ns is None else stamp_ns
    return frame_to_msg(SkeletonFrame(stamp_ns, "camera", 640, 480, [person]))


def run(trials: int = 10) -> list[dict]:
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from std_msgs.msg import Float64

    from har_msgs.msg import SkeletonArray

    from ..ros.graph import spin_until, wait_for_publishers, wait_for_subscribers

    ns = f"/bench_{uuid.uuid4().hex[:6]}"
    node_proc = start_node("safety_node", ns, {
        "skeleton_timeout": TIMEOUT_S, "rate_hz": RATE_HZ, "ramp_up_rate": 4.0,
        "startup_healthy_time": 0.2, "robot_zone_type": "point",
        "robot_zone_points": [0.0, 0.0]})
    rclpy.init()
    node = rclpy.create_node(f"bench_safety_{uuid.uuid4().hex[:6]}")
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    scales: list[tuple[float, float]] = []
    sub = node.create_subscription(Float64, f"{ns}/speed_scaling",
                                   lambda m: scales.append((time.monotonic(), m.data)), 100)
    pub = node.create_publisher(SkeletonArray, f"{ns}/skeletons", 10)
    silent, crossing = [], []
    try:
        wait_for_publishers(node, sub, timeout=20, executor=executor)
        wait_for_subscribers(node, pub, timeout=20, executor=executor)

        def feed(x: float, until) -> float:
            sent = 0.0
            while not until():
                pub.publish(person_on_floor_msg(x))
                sent = time.monotonic()
                executor.spin_once(timeout_sec=1 / 30)
            return sent

        # No /action: the conservative rule caps the scale at its max_scale far away.
        far_is_up = lambda: bool(scales) and scales[-1][1] > 0.3  # noqa: E731
        for _ in range(trials):
            feed(10.0, far_is_up)
            pub.publish(person_on_floor_msg(10.0))
            last = time.monotonic()
            spin_until(node, lambda: scales[-1][1] == 0.0, 5, "stop", executor)
            silent.append(next(t for t, s in scales if t > last and s == 0.0) - last)
            feed(10.0, far_is_up)
            scales.clear()
            pub.publish(person_on_floor_msg(0.3))
            start = time.monotonic()
            feed(0.3, lambda: bool(scales) and scales[-1][1] == 0.0)
            crossing.append(next(t for t, s in scales if s == 0.0) - start)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
        stop_processes({"node_proc": node_proc})
    bound = f"≤ {1000 * (TIMEOUT_S + 1 / RATE_HZ):.0f} ms (timeout + 1 period)"
    return [
        {"bench": "safety", "case": "silent skeletons -> 0", "target": bound,
         **summarise(silent)},
        {"bench": "safety", "case": "person crosses stop distance -> 0",
         "target": f"≤ {1000 / RATE_HZ:.0f} ms (1 period) + DDS", **summarise(crossing)},
    ]
