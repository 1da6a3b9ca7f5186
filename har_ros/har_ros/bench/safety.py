"""Safety node reaction times, measured over real DDS with the node in its own process.

1. silent input: from the last skeleton published to the first speed_scaling 0;
2. threshold crossing: from the first skeleton inside the protective distance
   to the first speed_scaling 0 (the person stepped from far to near);
3. the TF frame self-check with 1,000-20,000 body frames in the buffer (a
   long shift's ``body_b<id>`` frames), beside listing every frame as it once did.
"""

from __future__ import annotations

import time
import uuid

import numpy as np
import yaml

from ..runtime.processes import start_node, stop_processes
from .stats import summarise

TIMEOUT_S = 0.5
RATE_HZ = 50.0


def person_on_floor_msg(x: float, stamp_ns: int | None = None):
    """A SkeletonArray with one tracked person (id 1) standing at floor (x, 0) m."""
    from ..ros.skeleton_msgs import frame_to_msg
    from ..skeleton.types import Person, PositionSource, SkeletonFrame

    person = Person(
        keypoints=np.full((17, 3), 0.9, np.float32),
        layout="coco17",
        score=0.9,
        bbox=(100.0, 100.0, 200.0, 400.0),
        track_id=1,
        position=np.array([x, 0.0, 0.0]),
        position_source=PositionSource.FLOOR,
        position_frame_id="floor",
    )
    stamp_ns = time.time_ns() if stamp_ns is None else stamp_ns
    return frame_to_msg(SkeletonFrame(stamp_ns, "camera", 640, 480, [person]))


def frame_check(trials: int = 10, counts: tuple[int, ...] = (1_000, 5_000, 20_000)) -> list[dict]:
    """The safety node's TF self-check against the frames TF holds (it must not grow)."""
    import rclpy
    from rclpy.context import Context
    from rclpy.time import Time

    from ..ros.frames import CellFrames, transform_msg

    context = Context()
    rclpy.init(context=context)
    node = rclpy.create_node(f"bench_frames_{uuid.uuid4().hex[:6]}", context=context)
    rows = []
    try:
        frames = CellFrames(node, "world", "base_link", max_age_s=0.5)
        stamp = Time(seconds=1).to_msg()
        frames.buffer.set_transform_static(
            transform_msg(stamp, "world", "base_link", (1, 0, 0), (0, 0, 0, 1)), "bench"
        )
        held = 0
        for count in counts:
            for i in range(held, count):
                frames.buffer.set_transform(
                    transform_msg(stamp, "world", f"body_b{i}", (0, 0, 0), (0, 0, 0, 1)), "bench"
                )
            held = count
            checks, listings = [], []
            for _ in range(trials):
                started = time.perf_counter()
                frames.missing()
                checks.append(time.perf_counter() - started)
            for _ in range(min(trials, 3)):  # what the check did before: seconds at 20,000
                started = time.perf_counter()
                yaml.safe_load(frames.buffer.all_frames_as_yaml())
                listings.append(time.perf_counter() - started)
            rows.append(
                {
                    "bench": "safety",
                    "case": f"TF frame self-check, {count} body frames",
                    "target": "flat in the frame count",
                    **summarise(checks),
                    "listing_every_frame_median_ms": summarise(listings)["median_ms"],
                }
            )
    finally:
        node.destroy_node()
        rclpy.shutdown(context=context)
    return rows


def run(trials: int = 10) -> list[dict]:
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from std_msgs.msg import Float64

    from har_msgs.msg import SkeletonArray

    from ..ros.graph import spin_until, wait_for_publishers, wait_for_subscribers

    ns = f"/bench_{uuid.uuid4().hex[:6]}"
    node_proc = start_node(
        "safety_node",
        ns,
        {
            "skeleton_timeout": TIMEOUT_S,
            "rate_hz": RATE_HZ,
            "ramp_up_rate": 4.0,
            "startup_healthy_time": 0.2,
            "robot_zone_type": "point",
            "robot_zone_points": [0.0, 0.0],
        },
    )
    rclpy.init()
    node = rclpy.create_node(f"bench_safety_{uuid.uuid4().hex[:6]}")
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    scales: list[tuple[float, float]] = []
    sub = node.create_subscription(
        Float64, f"{ns}/speed_scaling", lambda m: scales.append((time.monotonic(), m.data)), 100
    )
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
        {"bench": "safety", "case": "silent skeletons -> 0", "target": bound, **summarise(silent)},
        {
            "bench": "safety",
            "case": "person crosses stop distance -> 0",
            "target": f"≤ {1000 / RATE_HZ:.0f} ms (1 period) + DDS",
            **summarise(crossing),
        },
        *frame_check(trials),
    ]
