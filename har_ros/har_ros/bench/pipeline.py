"""Pipeline latency: a camera image's stamp -> the speed command that reflects it.

The three nodes run as `har bringup` starts them (config/har.yaml): as separate
processes, then composed in one process (one executor thread per node). The bench is
the camera: it publishes pre-decoded 640x480 frames of the sports2d video (two
people walking) at 30 Hz, stamped at publication, and reads safety/status,
whose ``skeletons_stamp`` / ``actions_stamp`` name the newest image each decision
used. An image's latency is the arrival of the first decision naming it minus
its stamp; images the pose node dropped (newest frame wins) are counted
apart. CPU % and peak RSS per process come from /proc.
"""

from __future__ import annotations

import time
import uuid

from ..common.process_stats import CpuWindow, peak_rss_kb
from ..runtime.pipeline import Bringup, node_commands
from .pose import demo_frames, inference_times
from .profile import ProfileProbe
from .stats import summarise

#: The image -> speed command p99 may exceed the pose model's own p99 by this much.
OVERHEAD_TARGET_MS = 5.0
#: The /diagnostics status of each node, after its full name (``--profile``).
STATUS = {
    "pose_node": "pose",
    "action_node": "action",
    "safety_node": "speed and separation monitoring",
}


def _latencies(image_stamps: list[int], decisions: list[tuple[int, int]]) -> list[float]:
    """Seconds from each image's stamp to the first decision (arrival_ns, used_ns) naming it.

    Images no decision names (dropped by the pose node, or no action step on
    them) have no latency; the caller reports how many there were.
    """
    first_arrival: dict[int, int] = {}
    for arrival, used in decisions:
        first_arrival.setdefault(used, arrival)
    return [(first_arrival[s] - s) * 1e-9 for s in image_stamps if s in first_arrival]


def inference_p99_ms(count: int = 150) -> float:
    """The default pose backend's p99 on the bench's frames, in this process, just before."""
    from ..pose.backends import create_backend
    from ..pose.node_config import PoseNodeConfig

    config = PoseNodeConfig()
    backend = create_backend(
        config.backend, input_width=config.input_width, num_threads=config.num_threads
    )
    return summarise(inference_times(backend, demo_frames(count)))["p99_ms"]


def _measure(composed: bool, seconds: float, profile: bool = False) -> list[dict]:
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header

    from har_msgs.msg import SafetyStatus, SkeletonArray

    from ..ros import qos
    from ..ros.graph import spin_until, wait_for_publishers, wait_for_subscribers
    from ..ros.image_msgs import array_to_image
    from ..ros.session import NodeSession
    from ..ros.stamps import stamp_to_ns

    ns = f"/bench_{uuid.uuid4().hex[:6]}"
    with NodeSession("bench_pipeline", namespace=ns) as session:
        node = session.probe
        for name, argv in node_commands(Bringup(namespace=ns, composed=composed)).items():
            session.start(name, command=argv)
        by_skeletons: list[tuple[int, int]] = []
        by_actions: list[tuple[int, int]] = []

        def on_status(msg: SafetyStatus) -> None:
            arrival = time.time_ns()
            by_skeletons.append((arrival, stamp_to_ns(msg.skeletons_stamp)))
            by_actions.append((arrival, stamp_to_ns(msg.actions_stamp)))

        sub = node.create_subscription(SafetyStatus, f"{ns}/safety/status", on_status, 200)
        skeletons: list[tuple[int, int]] = []  # the pose stage alone, for the breakdown
        node.create_subscription(
            SkeletonArray,
            f"{ns}/skeletons",
            lambda m: skeletons.append((time.time_ns(), stamp_to_ns(m.header.stamp))),
            200,
        )
        camera = node.create_publisher(Image, f"{ns}/image", qos.SENSOR_DATA)
        clip = demo_frames(230)  # the whole demo video: the walkers stay tracked
        frames = [array_to_image(rgb, "rgb8", Header(frame_id="camera")) for rgb in clip]
        stamps: list[int] = []
        recording = False

        def publish_frame():
            msg = frames[len(stamps) % len(frames)]
            now = node.get_clock().now()
            msg.header.stamp = now.to_msg()
            camera.publish(msg)
            if recording:
                stamps.append(now.nanoseconds)

        probe = (
            ProfileProbe(
                node,
                {name: f"{ns}/{name}: {STATUS[name]}" for name in session.processes},
                {name: p.pid for name, p in session.processes.items()},
            )
            if profile
            else None
        )
        wait_for_publishers(node, sub, timeout=30)
        wait_for_subscribers(node, camera, timeout=30)
        node.create_timer(1 / 30, publish_frame)
        spin_until(node, lambda: any(u for _, u in by_actions), 60, "the first actions")
        if probe is not None:
            spin_until(node, probe.ready, 10, "every node's stage totals")
            probe.start()
        windows = {name: CpuWindow(p.pid) for name, p in session.processes.items()}
        for window in windows.values():
            window.start()
        recording = True
        start = time.monotonic()
        spin_until(node, lambda: time.monotonic() - start > seconds, seconds + 5, "the run")
        cpu = {name: window.percent() for name, window in windows.items()}
        recording = False
        spin_until(node, lambda: time.monotonic() - start > seconds + 1.1, 5, "the tail")
        profiled = probe.rows("pipeline") if probe is not None else []
        rss = {name: peak_rss_kb(p.pid) / 1024 for name, p in session.processes.items()}
    inference = inference_p99_ms()  # side by side: the same minutes of the same machine
    target = inference + OVERHEAD_TARGET_MS
    mode = "composed (1 process)" if composed else "separate processes"
    resources = "; ".join(
        f"{name} {cpu[name]:.0f} % CPU, {rss[name]:.0f} MiB peak" for name in session.processes
    )
    command = summarise(_latencies(stamps, by_skeletons))
    return [
        {
            "bench": "pipeline",
            "case": f"image → skeletons (pose stage), {mode}",
            "target": "",
            **summarise(_latencies(stamps, skeletons)),
            "images": len(stamps),
        },
        {
            "bench": "pipeline",
            "case": f"image → speed command, {mode}",
            "target": f"p99 ≤ inference p99 {inference:.2f} + {OVERHEAD_TARGET_MS:g} = "
            f"{target:.2f} ms",
            **command,
            "met": command.get("p99_ms", 1e9) <= target,
            "images": len(stamps),
            "resources": resources,
        },
        {
            "bench": "pipeline",
            "case": f"image → action → speed command, {mode}",
            "target": "",
            **summarise(_latencies(stamps, by_actions)),
            "images": len(stamps),
        },
        *profiled,
    ]  # n < images: the rest were dropped (pose) or not an action step's newest frame


def run(trials: int = 10, profile: bool = False) -> list[dict]:
    """Separate and composed; with ``profile`` separate processes only, with their profile."""
    import rclpy

    rclpy.init()
    try:
        seconds = max(10.0, float(trials))
        if profile:
            return _measure(False, seconds, profile=True)
        return _measure(False, seconds) + _measure(True, seconds)
    finally:
        rclpy.try_shutdown()
