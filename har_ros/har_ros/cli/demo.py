"""`har demo`: the real sports2d video through the whole pipeline, each node its own process.

video_publisher -> pose_node -> action_node -> safety_node. Prints one line per
second (people, actions, speed scale, pose fps) and writes demo_out/:
annotated.mp4 (skeletons, ids, actions, speed scale), timeline.png (actions
per person and speed scale over time) and summary.json. The video has no depth
or floor calibration, so the safety node uses demo image zones (lower third of
the frame = stop, middle third = slow) to show its behaviour.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections import OrderedDict
from pathlib import Path

W, H = 640, 360
STOP_ZONE = f"[0.0, {H * 0.8}, {W}.0, {H * 0.8}, {W}.0, {H}.0, 0.0, {H}.0]"
SLOW_ZONE = f"[0.0, {H * 0.6}, {W}.0, {H * 0.6}, {W}.0, {H * 0.8}, 0.0, {H * 0.8}]"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--frames", type=int, default=230, help="video frames to play")
    parser.add_argument("--video", default="", help="video file (default: sports2d demo)")
    parser.add_argument("--out", default="demo_out")


def _start(module: str, ns: str, *params: str) -> subprocess.Popen:
    args = [sys.executable, "-m", module, "--ros-args", "-r", f"__ns:={ns}"]
    for p in params:
        args += ["-p", p]
    return subprocess.Popen(args, env=os.environ.copy(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


class _Recorder:
    """Keeps what the demo shows: frames matched to skeletons, actions, speed."""

    def __init__(self, out: Path):
        self.out = out
        self.images: OrderedDict[int, object] = OrderedDict()
        self.labels: dict[int, str] = {}
        self.timeline: list[tuple[float, int, str]] = []
        self.speed: list[tuple[float, float, int]] = []
        self.frames = 0
        self.people_max = 0
        self.ids: set[int] = set()
        self.writer = None
        self.t0: int | None = None

    def seconds(self, stamp_ns: int) -> float:
        if self.t0 is None:
            self.t0 = stamp_ns
        return (stamp_ns - self.t0) * 1e-9

    def on_image(self, msg) -> None:
        from ..pose.image_codec import to_rgb
        from ..ros.image_msgs import image_to_array
        from ..ros.stamps import stamp_to_ns

        self.images[stamp_to_ns(msg.header.stamp)] = to_rgb(msg.encoding, image_to_array(msg))
        while len(self.images) > 90:
            self.images.popitem(last=False)

    def on_skeletons(self, msg) -> None:
        import cv2

        from ..pose.drawing import draw_people
        from ..ros.skeleton_msgs import msg_to_frame

        frame = msg_to_frame(msg)
        self.frames += 1
        self.people_max = max(self.people_max, len(frame.people))
        self.ids.update(p.track_id for p in frame.people if p.track_id >= 0)
        rgb = self.images.pop(frame.stamp_ns, None)
        if rgb is None:
            return
        canvas = draw_people(rgb, frame.people, self.labels)
        scale = self.speed[-1][1] if self.speed else 0.0
        cv2.putText(canvas, f"speed scale {scale:.2f}", (10, 24), cv2.FONT_HERSHEY_SIMPLEX,
                    0.7, (255, 255, 255), 2, cv2.LINE_AA)
        if self.writer is None:
            self.writer = cv2.VideoWriter(str(self.out / "annotated.mp4"),
                                          cv2.VideoWriter_fourcc(*"mp4v"), 30.0,
                                          (canvas.shape[1], canvas.shape[0]))
        self.writer.write(cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))

    def on_actions(self, msg) -> None:
        from ..ros.stamps import stamp_to_ns

        t = self.seconds(stamp_to_ns(msg.header.stamp))
        for a in msg.actions:
            self.labels[a.track_id] = f"{a.label} {a.confidence:.2f}"
            self.timeline.append((t, a.track_id, a.label))

    def on_status(self, msg) -> None:
        self.speed.append((time.monotonic(), float(msg.speed_scale), int(msg.state)))

    def close(self, class_names: list[str]) -> None:
        if self.writer is not None:
            self.writer.release()
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 5), sharex=False)
        names = sorted({label for _, _, label in self.timeline} | set(class_names))
        for track in sorted({tr for _, tr, _ in self.timeline}):
            points = [(t, names.index(lab)) for t, tr, lab in self.timeline if tr == track]
            ax1.plot(*zip(*points, strict=True), "o", ms=3, label=f"person {track}")
        ax1.set_yticks(range(len(names)), names, fontsize=7)
        ax1.set_xlabel("video time [s]")
        ax1.legend(fontsize=7)
        if self.speed:
            t0 = self.speed[0][0]
            ax2.plot([t - t0 for t, _, _ in self.speed], [s for _, s, _ in self.speed])
        ax2.set_ylabel("speed scale")
        ax2.set_xlabel("wall time [s]")
        ax2.set_ylim(-0.05, 1.05)
        fig.tight_layout()
        fig.savefig(self.out / "timeline.png", dpi=100)
        plt.close(fig)


def run(args: argparse.Namespace) -> int:
    import rclpy
    from sensor_msgs.msg import Image

    from har_msgs.msg import ActionArray, SafetyStatus, SkeletonArray

    from ..assets import asset_path
    from ..ros import qos
    from ..ros.graph import spin_until, wait_for_publishers

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ns = f"/har_demo_{uuid.uuid4().hex[:6]}"
    procs = {
        "pose_node": _start("har_ros.nodes.pose_node", ns),
        "action_node": _start("har_ros.nodes.action_node", ns),
        "safety_node": _start("har_ros.nodes.safety_node", ns, f"image_stop_zone:={STOP_ZONE}",
                              f"image_slow_zone:={SLOW_ZONE}", "unlocated_max_scale:=1.0"),
    }
    rclpy.init()
    node = rclpy.create_node("har_demo_probe")
    rec = _Recorder(out)
    class_names: list[str] = []

    def on_actions(msg):
        class_names[:] = list(msg.class_names)
        rec.on_actions(msg)

    node.create_subscription(Image, f"{ns}/image", rec.on_image, qos.SENSOR_DATA)
    skel_sub = node.create_subscription(SkeletonArray, f"{ns}/skeletons", rec.on_skeletons, 100)
    act_sub = node.create_subscription(ActionArray, f"{ns}/action", on_actions, 100)
    status_sub = node.create_subscription(SafetyStatus, f"{ns}/safety/status", rec.on_status,
                                          100)
    code = 0
    try:
        for sub in (skel_sub, act_sub, status_sub):
            wait_for_publishers(node, sub, timeout=60)
        video = args.video or str(asset_path("sports2d_demo.mp4"))
        procs["video_publisher"] = _start("har_ros.nodes.video_publisher", ns, f"video:={video}",
                                          f"max_frames:={args.frames}", f"width:={W}")
        started = last = time.monotonic()
        frames_at_last = 0
        while procs["video_publisher"].poll() is None and time.monotonic() - started < 150:
            spin_until(node, lambda end=last + 1.0: time.monotonic() >= end, 5, "a second")
            now = time.monotonic()
            fps = (rec.frames - frames_at_last) / (now - last)
            last, frames_at_last = now, rec.frames
            speed = rec.speed[-1][1] if rec.speed else 0.0
            actions = ", ".join(f"#{k}: {v}" for k, v in sorted(rec.labels.items())) or "-"
            print(f"t={now - started:5.1f}s fps={fps:4.1f} people={len(rec.labels)} "
                  f"speed_scale={speed:.2f} actions: {actions}", flush=True)
        end = time.monotonic() + 1.0
        spin_until(node, lambda: time.monotonic() >= end, 3, "the last messages")
        elapsed = time.monotonic() - started
        dead = [name for name, p in procs.items() if name != "video_publisher" and
                p.poll() is not None]
        summary = {"frames_processed": rec.frames, "seconds": round(elapsed, 2),
                   "pose_fps": round(rec.frames / elapsed, 2) if elapsed else 0.0,
                   "track_ids": sorted(rec.ids), "max_people": rec.people_max,
                   "actions_published": len(rec.timeline),
                   "action_counts": {lab: sum(1 for _, _, x in rec.timeline if x == lab)
                                     for lab in sorted({x for _, _, x in rec.timeline})},
                   "speed_scale_min": min((s for _, s, _ in rec.speed), default=0.0),
                   "speed_scale_max": max((s for _, s, _ in rec.speed), default=0.0),
                   "nodes_died": dead,
                   "outputs": ["annotated.mp4", "timeline.png", "summary.json"]}
        rec.close(class_names)
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
        print(json.dumps(summary), flush=True)
        code = 1 if dead or not rec.frames else 0
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
        node.destroy_node()
        rclpy.try_shutdown()
    return code
