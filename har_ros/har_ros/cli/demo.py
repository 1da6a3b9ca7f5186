"""`har demo`: the real sports2d video through video_publisher -> pose_node -> safety_node.

Each node runs in its own process on a private namespace. Prints one line per
second (people, track ids, speed scale, safety state, pose fps) and writes
demo_out/summary.json. Without the action node (not built yet) the safety
node applies its conservative rule; without depth or a floor calibration it
uses the image zones given here (lower third of the frame = stop, middle third
= slow), so the speed scale reacts to where the walkers are.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

W, H = 640, 360
STOP_ZONE = f"[0.0, {H * 2 / 3}, {W}.0, {H * 2 / 3}, {W}.0, {H}.0, 0.0, {H}.0]"
SLOW_ZONE = f"[0.0, {H / 3}, {W}.0, {H / 3}, {W}.0, {H * 2 / 3}, 0.0, {H * 2 / 3}]"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--frames", type=int, default=230, help="video frames to play")
    parser.add_argument("--out", default="demo_out")


def _start(module: str, ns: str, *params: str) -> subprocess.Popen:
    args = [sys.executable, "-m", module, "--ros-args", "-r", f"__ns:={ns}"]
    for p in params:
        args += ["-p", p]
    return subprocess.Popen(args, env=os.environ.copy(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def run(args: argparse.Namespace) -> int:
    import rclpy

    from har_msgs.msg import SafetyStatus, SkeletonArray

    from ..ros.graph import spin_until, wait_for_publishers

    ns = f"/har_demo_{uuid.uuid4().hex[:6]}"
    procs = {
        "pose_node": _start("har_ros.nodes.pose_node", ns),
        "safety_node": _start("har_ros.nodes.safety_node", ns, f"image_stop_zone:={STOP_ZONE}",
                              f"image_slow_zone:={SLOW_ZONE}", "unlocated_max_scale:=1.0"),
    }
    rclpy.init()
    node = rclpy.create_node("har_demo_probe")
    frames, statuses = [], []
    skel_sub = node.create_subscription(SkeletonArray, f"{ns}/skeletons", frames.append, 100)
    status_sub = node.create_subscription(SafetyStatus, f"{ns}/safety/status",
                                          statuses.append, 100)
    code = 0
    try:
        wait_for_publishers(node, skel_sub, timeout=30)
        wait_for_publishers(node, status_sub, timeout=30)
        procs["video_publisher"] = _start("har_ros.nodes.video_publisher", ns,
                                          f"max_frames:={args.frames}", f"width:={W}")
        video = procs["video_publisher"]
        started, last_print, seen_ids = time.monotonic(), time.monotonic(), set()
        while video.poll() is None or time.monotonic() - started < 2:
            tick_end = last_print + 1.0
            spin_until(node, lambda end=tick_end: time.monotonic() >= end, 5, "a second")
            last_print = time.monotonic()
            people = frames[-1].skeletons if frames else []
            ids = sorted(s.track_id for s in people if s.track_id >= 0)
            seen_ids.update(ids)
            status = statuses[-1] if statuses else None
            state = status.state if status else -1
            print(f"t={last_print - started:5.1f}s frames={len(frames):4d} people={len(people)} "
                  f"ids={ids} speed_scale={status.speed_scale if status else 0:.2f} "
                  f"state={state} reason={status.reason if status else '-'}", flush=True)
            if time.monotonic() - started > 120:
                break
        elapsed = time.monotonic() - started
        dead = [name for name, p in procs.items() if name != "video_publisher" and
                p.poll() is not None]
        summary = {"frames_processed": len(frames), "seconds": elapsed,
                   "pose_fps": len(frames) / elapsed if elapsed else 0.0,
                   "track_ids": sorted(seen_ids),
                   "max_people": max((len(f.skeletons) for f in frames), default=0),
                   "speed_scale_min": min((s.speed_scale for s in statuses), default=0.0),
                   "speed_scale_max": max((s.speed_scale for s in statuses), default=0.0),
                   "nodes_died": dead}
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "summary.json").write_text(json.dumps(summary, indent=2))
        print(json.dumps(summary))
        code = 1 if dead or not frames else 0
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
        node.destroy_node()
        rclpy.try_shutdown()
    return code
