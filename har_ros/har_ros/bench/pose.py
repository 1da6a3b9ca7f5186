"""Pose figures: backend inference per frame, and pose_node's sustained rate over DDS."""

from __future__ import annotations

import time
import uuid

import cv2

from ..assets import asset_path
from ..common.video import capture_fps
from ..runtime.processes import start_node, stop_processes
from .stats import summarise


def demo_frames(count: int, size=(640, 480)):
    """``count`` RGB frames of the sports2d demo video at ``size`` (looping), decoded up front."""
    capture = cv2.VideoCapture(str(asset_path("sports2d_demo.mp4")))
    frames = []
    while len(frames) < count:
        ok, bgr = capture.read()
        if not ok:
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            continue
        frames.append(cv2.cvtColor(cv2.resize(bgr, size), cv2.COLOR_BGR2RGB))
    return frames


def inference_times(backend, frames) -> list[float]:
    """Seconds of ``backend.infer`` per frame, after one warm-up (tensor allocation)."""
    backend.infer(frames[0])
    times = []
    for rgb in frames:
        started = time.perf_counter()
        backend.infer(rgb)
        times.append(time.perf_counter() - started)
    return times


def inference(trials: int) -> list[dict]:
    """Every available backend on the same frames; an absent opt-in one is reported, not run."""
    from ..pose.backends import BackendError, create_backend

    rows = []
    frames = demo_frames(max(50, trials * 10))
    cases = [
        ("movenet", {"input_width": 256}, "≥ 25 fps (≤ 40 ms), the default"),
        ("movenet", {"input_width": 320}, ""),
        ("movenet", {"input_width": 384}, ""),
        ("yolo", {}, ""),
    ]
    for name, options, target in cases:
        label = f"{name} inference 640x480" + (
            f", input {options['input_width']}" if options else ""
        )
        try:
            backend = create_backend(name, num_threads=2, **options)
        except BackendError as exc:
            rows.append({"bench": "pose", "case": label, "target": f"not run: {exc}"})
            continue
        stats = summarise(inference_times(backend, frames))
        rows.append(
            {
                "bench": "pose",
                "case": label,
                "target": target,
                **stats,
                "fps": 1000.0 / stats["median_ms"],
            }
        )
    return rows


def node_rate(seconds: float = 12.0) -> list[dict]:
    """pose_node fed pre-decoded 640x480 frames at 30 Hz over DDS; arrays out per second.

    The frames are decoded once up front so the video decoder's CPU does not
    count against the node on this 2-core machine.
    """
    import rclpy
    from diagnostic_msgs.msg import DiagnosticArray
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header

    from har_msgs.msg import SkeletonArray

    from ..ros import qos
    from ..ros.graph import spin_until, wait_for_publishers, wait_for_subscribers
    from ..ros.image_msgs import array_to_image

    ns = f"/bench_{uuid.uuid4().hex[:6]}"
    pose = start_node("pose_node", ns)
    rclpy.init()
    node = rclpy.create_node(f"bench_pose_{uuid.uuid4().hex[:6]}")
    arrivals, diagnostics = [], []
    sub = node.create_subscription(
        SkeletonArray, f"{ns}/skeletons", lambda m: arrivals.append(time.monotonic()), 100
    )
    node.create_subscription(DiagnosticArray, "/diagnostics", diagnostics.append, 10)
    camera = node.create_publisher(Image, f"{ns}/image", qos.SENSOR_DATA)
    frames = [array_to_image(rgb, "rgb8", Header(frame_id="camera")) for rgb in demo_frames(90)]
    sent = [0]

    def publish_frame():
        msg = frames[sent[0] % len(frames)]
        msg.header.stamp = node.get_clock().now().to_msg()
        camera.publish(msg)
        sent[0] += 1

    try:
        wait_for_publishers(node, sub, timeout=20)
        wait_for_subscribers(node, camera, timeout=20)
        node.create_timer(1 / 30, publish_frame)
        spin_until(node, lambda: len(arrivals) > 10, 30, "the first arrays")
        start = time.monotonic()
        first = len(arrivals)
        spin_until(node, lambda: time.monotonic() - start > seconds, seconds + 5, "the run")
        fps = (len(arrivals) - first) / (time.monotonic() - start)
        values = {}
        for d in diagnostics:
            for status in d.status:
                if status.name == f"{ns}/pose_node: pose":
                    values = {kv.key: kv.value for kv in status.values}
    finally:
        stop_processes({"pose": pose})
        node.destroy_node()
        rclpy.try_shutdown()
    return [
        {
            "bench": "pose",
            "case": "pose_node sustained, camera 30 Hz 640x480",
            "target": "≥ 25 fps",
            "n": len(arrivals),
            "fps": fps,
            "processing_ms": float(values.get("processing_ms", "nan")),
            "dropped": values.get("dropped", "?"),
            "received": values.get("received", "?"),
        }
    ]


#: Frames of the demo clip in which both people (the man on the box, the walker) are in view.
BOTH_IN_VIEW = range(40, 91)


def both_seen(input_width: int, coast_time: float, width: int = 640) -> tuple[float, float]:
    """(fraction of BOTH_IN_VIEW frames with two people published, ms per frame)."""
    import dataclasses

    from ..pose.node_config import PoseNodeConfig
    from ..pose.pipeline import PosePipeline

    capture = cv2.VideoCapture(str(asset_path("sports2d_demo.mp4")))
    pipeline = PosePipeline(
        dataclasses.replace(
            PoseNodeConfig(), input_width=input_width, tracker_coast_time=coast_time
        )
    )
    fps = capture_fps(capture)
    seen, elapsed = [], 0.0
    for index in range(BOTH_IN_VIEW.stop):
        ok, bgr = capture.read()
        if not ok:
            break
        bgr = cv2.resize(bgr, (width, round(bgr.shape[0] * width / bgr.shape[1])))
        started = time.perf_counter()
        people = pipeline.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), index / fps)
        if index in BOTH_IN_VIEW:
            elapsed += time.perf_counter() - started
            seen.append(len(people) >= 2)
    return sum(seen) / len(BOTH_IN_VIEW), 1000 * elapsed / len(BOTH_IN_VIEW)


def recall() -> list[dict]:
    """Both people of the demo clip seen, per input size and coasting (``har pose-video`` size)."""
    rows = []
    for input_width in (256, 320, 384, 512):
        for coast in (0.0, 0.3):
            fraction, ms = both_seen(input_width, coast)
            default = (input_width, coast) == (256, 0.3)
            rows.append(
                {
                    "bench": "pose",
                    "case": f"both people seen, frames 40-90, input "
                    f"{input_width}, coast {coast:g} s",
                    "target": "≥ 80 %, the default" if default else "",
                    "both_seen_percent": round(100 * fraction, 1),
                    "mean_ms_per_frame": round(ms, 1),
                }
            )
    return rows


def run(trials: int = 10) -> list[dict]:
    return inference(trials) + recall() + node_rate()
