"""Multi-camera cell: cameras x frame rate this machine sustains, and the fused latency.

Real nodes as separate processes, as cell.launch.py starts them: rig_publisher
plays the Pose2Sim videos (preloaded, so that it costs what camera drivers
would, not four video decoders; looping, stamped when published, all cameras
with one stamp) at ``fps``, one pose_node per camera, person_fusion and
safety_node (use_coverage). Sustained rate = skeletons per second each pose
node publishes (a pose node drops frames it cannot keep up with; newest
wins) and fused arrays per second. Latency = image stamp -> the first
safety/status whose ``skeletons_stamp`` names it (image -> pose -> fusion ->
speed decision).
"""

from __future__ import annotations

import subprocess
import time
import uuid

import numpy as np

from ..common.process_stats import CpuWindow
from ..runtime.pipeline import CAMERA_POSE_PARAMS
from ..runtime.processes import start_node, stop_processes
from .profile import ProfileProbe
from .stats import summarise

CAMERAS = ("cam01", "cam02", "cam03", "cam04")
CASES = ((1, 15.0), (2, 15.0), (4, 15.0), (4, 10.0))
PROFILED_CASES = ((1, 15.0), (4, 15.0))
WIDTH = 360
TARGET = "4 cameras at 15 fps each"


def _start(ns: str, cameras: tuple[str, ...], fps: float) -> dict[str, subprocess.Popen]:
    remaps = [f"/{cam}/{leaf}:={ns}/{cam}/{leaf}" for cam in cameras
              for leaf in ("image", "camera_info", "skeletons")]
    procs = {"rig": start_node("rig_publisher", "", {"rate": fps, "loop": True, "width": WIDTH,
                                                      "cameras": list(cameras),
                                                      "preload": True}, remaps)}
    for cam in cameras:
        procs[cam] = start_node("pose_node", f"{ns}/{cam}", CAMERA_POSE_PARAMS)
    procs["fusion"] = start_node("person_fusion", ns, remaps=remaps)
    procs["safety"] = start_node("safety_node", ns, {"use_coverage": True,
                                                     "publish_markers": False})
    return procs


def _measure(cameras: tuple[str, ...], fps: float, seconds: float,
             profile: bool = False) -> list[dict]:
    import rclpy

    from har_msgs.msg import SafetyStatus, SkeletonArray

    from ..ros import qos
    from ..ros.graph import spin_until
    from ..ros.stamps import stamp_to_ns

    ns = f"/bench_{uuid.uuid4().hex[:6]}"
    procs = _start(ns, cameras, fps)
    node = rclpy.create_node(f"bench_cell_{uuid.uuid4().hex[:6]}")
    per_camera = {cam: [] for cam in cameras}
    fused: list[tuple[int, int]] = []
    decisions: list[tuple[int, int]] = []
    for cam in cameras:
        node.create_subscription(SkeletonArray, f"{ns}/{cam}/skeletons",
                                 lambda m, c=cam: per_camera[c].append(time.monotonic()),
                                 qos.STREAM_QUEUE)
    node.create_subscription(SkeletonArray, f"{ns}/skeletons", lambda m: fused.append(
        (time.time_ns(), stamp_to_ns(m.header.stamp))), qos.STREAM_QUEUE)
    node.create_subscription(SafetyStatus, f"{ns}/safety/status", lambda m: decisions.append(
        (time.time_ns(), stamp_to_ns(m.skeletons_stamp))), qos.STATE)
    probe = ProfileProbe(node, {
        **{cam: f"{ns}/{cam}/pose_node: pose" for cam in cameras},
        "fusion": f"{ns}/person_fusion: fusion",
        "safety": f"{ns}/safety_node: speed and separation monitoring"},
        {name: p.pid for name, p in procs.items() if name != "rig"}) if profile else None
    try:
        spin_until(node, lambda: len(fused) > 10, 90, "the first fused skeletons")
        if probe is not None:
            spin_until(node, probe.ready, 10, "every node's stage totals")
            probe.start()
        windows = {name: CpuWindow(p.pid) for name, p in procs.items()}
        for window in windows.values():
            window.start()
        start, first_fused = time.monotonic(), len(fused)
        spin_until(node, lambda: time.monotonic() - start > seconds, seconds + 5, "the run")
        by_process = {name: w.percent() for name, w in windows.items()}
        cpu = sum(by_process.values())
        end = time.monotonic()
        fused_window = fused[first_fused:]
        if probe is not None:  # the nodes' totals of the window's last second
            spin_until(node, lambda: time.monotonic() - end > 1.1, 5, "the last diagnostics")
            profiled = probe.rows("cell")
    finally:
        stop_processes(procs)
        node.destroy_node()
    rates = [sum(1 for t in stamps if start <= t <= end) / (end - start)
             for stamps in per_camera.values()]
    first_decision: dict[int, int] = {}
    for arrival, used in decisions:
        first_decision.setdefault(used, arrival)
    latencies = [(first_decision[s] - s) * 1e-9 for _, s in fused_window if s in first_decision]
    return [{"bench": "cell", "case": f"{len(cameras)} camera(s) at {fps:g} fps, {WIDTH} px",
            "target": TARGET if (len(cameras), fps) == (4, 15.0) else "",
            **summarise(latencies), "pose_fps_per_camera": round(float(np.min(rates)), 1),
            "fused_fps": round(len(fused_window) / (end - start), 1),
            "cpu_percent_all": round(cpu),
            "cpu_percent_by_process": ", ".join(f"{n} {c:.0f}" for n, c in by_process.items())},
            *(profiled if probe is not None else [])]


def run(trials: int = 10, profile: bool = False) -> list[dict]:
    """Every case; with ``profile`` only 1 and 4 cameras at 15 fps, with the stage profile."""
    import rclpy

    rclpy.init()
    try:
        seconds = max(10.0, float(trials))
        cases = PROFILED_CASES if profile else CASES
        return [row for n, fps in cases for row in _measure(CAMERAS[:n], fps, seconds, profile)]
    finally:
        rclpy.try_shutdown()
