"""`har demo`: the real sports2d video through the whole pipeline, each node its own process.

video_publisher -> pose_node -> action_node -> safety_node. The video has no
calibration, so the demo gives the pose node a plausible floor (camera 1.2 m
above a flat lawn, horizon at v = 150 px) and puts a virtual robot on it:
the walker crossing the lawn passes it, and the speed falls as she comes
near and rises as she leaves. Prints one line per second and writes
demo_out/: annotated.mp4 (zones on the floor, robot, skeletons, ids,
actions, distances, speed panel), timeline.png (actions and speed on one
video-time axis), snapshot.png (the frame nearest the closest approach) and
summary.json. ``har demo --cell`` runs the four-camera cell instead.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .demo_recording import DemoRecording

W = 640
#: image (u, v) -> floor (x right, y ahead) in m: camera 1.2 m above the lawn, f = 500 px,
#: principal point u = 320, horizon v = 150.
FLOOR_HOMOGRAPHY = (1.2, 0.0, -384.0, 0.0, 0.0, 600.0, 0.0, 1.0, -150.0)
ROBOT_XY = (-1.5, 4.5)
ROBOT_RADIUS = 0.3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cell",
        action="store_true",
        help="the four-camera Pose2Sim cell instead of the single camera",
    )
    parser.add_argument("--frames", type=int, default=230, help="video frames to play")
    parser.add_argument("--video", default="", help="video file (default: sports2d demo)")
    parser.add_argument("--out", default="demo_out")


class _Recorder(DemoRecording):
    """Keeps what the demo shows: frames matched to skeletons, actions, speed on video time."""

    def __init__(self, out: Path):
        super().__init__()
        from ..demo.scene import homography_floor_to_image
        from ..safety.node_config import SafetyNodeConfig
        from ..safety.zone_rings import zone_rings
        from ..safety.zones import RobotZone

        self.out = out
        self.zone = RobotZone("circle", ROBOT_XY, ROBOT_RADIUS)
        node = SafetyNodeConfig()  # the safety node's defaults, as the demo runs it
        self.rings = zone_rings(self.zone, node.ssm_parameters(), node.rules())
        self.project = homography_floor_to_image(np.array(FLOOR_HOMOGRAPHY))
        self.images: OrderedDict[int, object] = OrderedDict()
        self.frames = 0
        self.people_max = 0
        self.ids: set[int] = set()
        self.writer = None
        self.closest: tuple[float, object] = (float("inf"), None)

    def on_image(self, msg) -> None:
        from ..pose.image_codec import to_rgb
        from ..ros.image_msgs import image_to_array
        from ..ros.stamps import stamp_to_ns

        stamp = stamp_to_ns(msg.header.stamp)
        self.seconds(stamp)
        self.images[stamp] = to_rgb(msg.encoding, image_to_array(msg))
        while len(self.images) > 90:
            self.images.popitem(last=False)

    def on_skeletons(self, msg) -> None:
        import cv2

        from ..demo.scene import (
            PersonView,
            draw_people_labels,
            draw_robot_and_zones,
            draw_speed_panel,
        )
        from ..pose.drawing import draw_people
        from ..ros.skeleton_msgs import msg_to_frame
        from ..safety.policy import SafetyState

        frame = msg_to_frame(msg)
        self.seconds(frame.stamp_ns)  # video time starts at the first image any stage saw
        self.frames += 1
        self.people_max = max(self.people_max, len(frame.people))
        self.ids.update(p.track_id for p in frame.people if p.track_id >= 0)
        rgb = self.images.pop(frame.stamp_ns, None)
        if rgb is None:
            return
        canvas = rgb.copy()
        draw_robot_and_zones(canvas, self.project, self.rings)
        canvas = draw_people(canvas, frame.people)
        views = []
        for person in frame.people:
            x0, y0, x1, y1 = person.bbox
            separation = float("nan")
            if person.position is not None:
                separation = self.zone.distance(person.position[:2])
            views.append(
                PersonView(
                    person.track_id,
                    ((x0 + x1) / 2, y1),
                    (x0, y0),
                    self.labels.get(person.track_id, ""),
                    separation,
                )
            )
        status = self.status
        state = SafetyState(status.state) if status is not None else SafetyState.STARTUP
        scale = float(status.speed_scale) if status is not None else 0.0
        nearest = int(status.nearest_track_id) if status is not None else -1
        robot_uv = self.project(np.array([[*ROBOT_XY, 0.0]]))[0]
        draw_people_labels(canvas, views, nearest, robot_uv, state)
        draw_speed_panel(canvas, scale, state)
        near = min((v.separation for v in views if np.isfinite(v.separation)), default=np.inf)
        if near < self.closest[0]:
            self.closest = (near, canvas.copy())
        if self.writer is None:
            self.writer = cv2.VideoWriter(
                str(self.out / "annotated.mp4"),
                cv2.VideoWriter_fourcc(*"mp4v"),
                30.0,
                (canvas.shape[1], canvas.shape[0]),
            )
        self.writer.write(cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))

    def close(self) -> None:
        import cv2

        from ..demo.timeline import write_timeline

        if self.writer is not None:
            self.writer.release()
        if self.closest[1] is not None:
            cv2.imwrite(
                str(self.out / "snapshot.png"), cv2.cvtColor(self.closest[1], cv2.COLOR_RGB2BGR)
            )
        write_timeline(
            self.out / "timeline.png",
            self.timeline,
            self.speed,
            self.class_names,
            "sports2d demo: a virtual robot on the lawn",
        )


def run(args: argparse.Namespace) -> int:
    if args.cell:
        from .demo_cell import run_cell

        return run_cell(args)
    from sensor_msgs.msg import Image

    from har_msgs.msg import ActionArray, SafetyStatus, SkeletonArray

    from ..assets import asset_path
    from ..ros import qos
    from ..ros.graph import spin_until
    from ..ros.session import NodeSession

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rec = _Recorder(out)
    with NodeSession("har_demo") as session:
        ns, node = session.namespace, session.probe
        session.start("pose_node", params={"floor_homography": FLOOR_HOMOGRAPHY})
        session.start("action_node")
        session.start(
            "safety_node",
            params={
                "robot_zone_type": "circle",
                "robot_zone_points": ROBOT_XY,
                "robot_zone_radius": ROBOT_RADIUS,
                "publish_markers": False,
            },
        )
        node.create_subscription(Image, f"{ns}/image", rec.on_image, qos.SENSOR_DATA)
        session.wait_for_publishers(
            node.create_subscription(SkeletonArray, f"{ns}/skeletons", rec.on_skeletons, 100),
            node.create_subscription(ActionArray, f"{ns}/action", rec.on_actions, 100),
            node.create_subscription(SafetyStatus, f"{ns}/safety/status", rec.on_status, 100),
        )
        video = args.video or str(asset_path("sports2d_demo.mp4"))
        session.start(
            "video_publisher", params={"video": video, "max_frames": args.frames, "width": W}
        )
        started = last = time.monotonic()
        frames_at_last = 0
        while session.running("video_publisher") and time.monotonic() - started < 150:
            spin_until(node, lambda end=last + 1.0: time.monotonic() >= end, 5, "a second")
            now = time.monotonic()
            fps = (rec.frames - frames_at_last) / (now - last)
            last, frames_at_last = now, rec.frames
            speed = rec.status.speed_scale if rec.status is not None else 0.0
            actions = ", ".join(f"#{k}: {v}" for k, v in sorted(rec.labels.items())) or "-"
            print(
                f"t={now - started:5.1f}s fps={fps:4.1f} people={len(rec.labels)} "
                f"speed_scale={speed:.2f} actions: {actions}",
                flush=True,
            )
        end = time.monotonic() + 1.0
        spin_until(node, lambda: time.monotonic() >= end, 3, "the last messages")
        elapsed = time.monotonic() - started
        dead = session.died("video_publisher")
        scales = [s for _, s, _ in rec.speed]
        summary = {
            "frames_processed": rec.frames,
            "seconds": round(elapsed, 2),
            "pose_fps": round(rec.frames / elapsed, 2) if elapsed else 0.0,
            "track_ids": sorted(rec.ids),
            "max_people": rec.people_max,
            "actions_published": len(rec.timeline),
            "action_counts": {
                lab: sum(1 for _, _, x in rec.timeline if x == lab)
                for lab in sorted({x for _, _, x in rec.timeline})
            },
            "speed_scale_min": min(scales, default=0.0),
            "speed_scale_max": max(scales, default=0.0),
            "closest_approach_m": round(rec.closest[0], 2) if np.isfinite(rec.closest[0]) else None,
            "robot": {
                "floor_xy": ROBOT_XY,
                "radius": ROBOT_RADIUS,
                "protective_radius": round(rec.rings.protective_radius, 2),
                "reduced_radius": round(rec.rings.reduced_radius, 2),
            },
            "nodes_died": dead,
            "outputs": ["annotated.mp4", "timeline.png", "snapshot.png", "summary.json"],
        }
        rec.close()
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
        print(json.dumps(summary), flush=True)
    return 1 if dead or not rec.frames else 0
