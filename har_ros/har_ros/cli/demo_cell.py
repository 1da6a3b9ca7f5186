"""`har demo --cell`: the four-camera Pose2Sim cell through the real nodes, as a 2x2 grid.

rig_publisher -> four pose nodes -> person_fusion -> action_node + safety_node
(use_coverage, the cell's virtual robot), each its own process. Every fused
person is drawn in every camera from its triangulated 3D joints, with the
fused id, action and distance in metres to the robot, whose zones lie on the
floor in each view. Writes demo_out/cell_grid.mp4, cell_grid.png (the frame
with the person nearest the robot), cell_timeline.png and cell_summary.json.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

import numpy as np

WIDTH = 360
RATE = 12.0  # frames per second of the replay (the videos are 60 fps: slow motion)


def _tile(rgb, cal, people, rings, labels, separations, nearest, state, name, live):
    import cv2

    from ..demo.scene import (
        PersonView,
        draw_people_labels,
        draw_robot_and_zones,
        text_box,
    )
    from ..pose.drawing import colour_for
    from ..skeleton.layouts import get_layout

    def project(points: np.ndarray) -> np.ndarray:
        return cal.project(points)

    img = rgb.copy()
    draw_robot_and_zones(img, project, rings)
    bones = get_layout("coco17").bones
    views = []
    for track, joints in people.items():
        uv = project(np.nan_to_num(joints, nan=1e6))
        uv[~np.all(np.isfinite(joints), axis=1)] = np.nan
        for a, b in bones:
            if np.all(np.isfinite(uv[[a, b]])):
                cv2.line(img, tuple(int(v) for v in uv[a]), tuple(int(v) for v in uv[b]),
                         colour_for(track), 2, cv2.LINE_AA)
        seen = uv[np.all(np.isfinite(uv), axis=1)]
        if not len(seen):
            continue
        feet = project(np.array([[*np.nanmean(joints[[15, 16], :2], axis=0), 0.0]]))[0] \
            if np.isfinite(joints[[15, 16], 0]).any() else seen.max(axis=0)
        views.append(PersonView(track, tuple(feet) if np.all(np.isfinite(feet)) else None,
                                (seen[:, 0].min(), seen[:, 1].min()), labels.get(track, ""),
                                separations.get(track, float("nan"))))
    robot_uv = project(np.array([[*rings.centre, 0.0]]))[0]
    draw_people_labels(img, views, nearest, robot_uv, state)
    text_box(img, f"{name}{'' if live else ' SILENT'}", (img.shape[1] - 110, img.shape[0] - 10),
             0.5, fg=(255, 255, 255) if live else (255, 80, 80))
    return img


def run_cell(args: argparse.Namespace) -> int:
    import cv2
    import rclpy
    from sensor_msgs.msg import Image

    from har_msgs.msg import ActionArray, CameraCoverage, SafetyStatus, SkeletonArray

    from ..cell.description import load_cell
    from ..demo.scene import draw_speed_panel
    from ..demo.timeline import write_timeline
    from ..nodes.person_fusion import default_cell_file
    from ..pose.image_codec import to_rgb
    from ..ros import qos
    from ..ros.graph import spin_until, wait_for_publishers
    from ..ros.image_msgs import image_to_array
    from ..ros.skeleton_msgs import msg_to_frame
    from ..ros.stamps import stamp_to_ns
    from ..safety.node_config import SafetyNodeConfig
    from ..safety.policy import SafetyState
    from ..safety.zone_rings import zone_rings
    from .demo import start_node, stop_processes

    cell = load_cell(default_cell_file())
    names = [c.name for c in cell.cameras]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ns = f"/har_cell_{uuid.uuid4().hex[:6]}"
    remaps = tuple(f"/{c}/{leaf}:={ns}/{c}/{leaf}" for c in names
                   for leaf in ("image", "camera_info", "skeletons"))
    safety = {**cell.safety_parameters(), "use_coverage": True, "publish_markers": False}
    safety_args = [f"{k}:={json.dumps(v) if isinstance(v, list) else v}"
                   for k, v in safety.items()]
    procs = {f"pose_{c}": start_node("har_ros.nodes.pose_node", f"{ns}/{c}") for c in names}
    procs["fusion"] = start_node("har_ros.nodes.person_fusion", ns, remaps=remaps)
    procs["action"] = start_node("har_ros.nodes.action_node", ns)
    procs["safety"] = start_node("har_ros.nodes.safety_node", ns, *safety_args)
    config = SafetyNodeConfig(**{k: tuple(v) if isinstance(v, list) else v
                                 for k, v in safety.items()})
    policy = config.policy_config()
    rings = zone_rings(policy.robot_zone, policy.ssm, policy.rules)
    calibrations = {c: cell.camera(c).calibration.scaled(WIDTH) for c in names}

    rclpy.init()
    node = rclpy.create_node("har_cell_demo_probe")
    images: dict[str, dict[int, np.ndarray]] = {c: {} for c in names}
    labels: dict[int, str] = {}
    timeline: list[tuple[float, int, str]] = []
    speed: list[tuple[float, float, int]] = []
    state = {"status": None, "coverage": [], "t0": None, "last": None, "writer": None,
             "frames": 0,
             "best": (np.inf, None), "ids": set(), "class_names": []}
    decided: dict[int, object] = {}  # skeletons stamp -> the decision made on those skeletons

    def seconds(stamp: int) -> float:
        if state["t0"] is None:
            state["t0"] = stamp
        return (stamp - state["t0"]) * 1e-9

    def on_image(camera: str, msg) -> None:
        stamp = stamp_to_ns(msg.header.stamp)
        images[camera][stamp] = to_rgb(msg.encoding, image_to_array(msg))
        for old in sorted(images[camera])[:-30]:
            del images[camera][old]

    def on_fused(msg) -> None:
        frame = msg_to_frame(msg)
        seconds(frame.stamp_ns)
        state["frames"] += 1
        state["last"] = frame.stamp_ns
        tiles = [images[c].get(frame.stamp_ns) for c in names]
        if any(t is None for t in tiles):
            return
        people = {p.track_id: p.keypoints_3d for p in frame.people
                  if p.keypoints_3d is not None}
        state["ids"].update(people)
        status = decided.get(frame.stamp_ns, state["status"])  # the decision on this frame
        coverage = min(state["coverage"], default=None,
                       key=lambda c: abs(stamp_to_ns(c.header.stamp) - frame.stamp_ns))
        level = SafetyState(status.state) if status is not None else SafetyState.STARTUP
        scale = float(status.speed_scale) if status is not None else 0.0
        nearest = int(status.nearest_track_id) if status is not None else -1
        separations = {p.track_id: policy.robot_zone.distance(p.position[:2])
                       - float(s.position_uncertainty)
                       for p, s in zip(frame.people, msg.skeletons, strict=True)
                       if p.position is not None}
        live = dict(zip(coverage.cameras, coverage.live, strict=True)) if coverage else {}
        drawn = [_tile(t, calibrations[c], people, rings, labels, separations, nearest, level,
                       c, live.get(c, True)) for c, t in zip(names, tiles, strict=True)]
        grid = np.vstack([np.hstack(drawn[:2]), np.hstack(drawn[2:4])])
        draw_speed_panel(grid, scale, level, status.reason if status is not None else "",
                         width=300)
        if state["writer"] is None:
            state["writer"] = cv2.VideoWriter(str(out / "cell_grid.mp4"),
                                              cv2.VideoWriter_fourcc(*"mp4v"), RATE,
                                              (grid.shape[1], grid.shape[0]))
        state["writer"].write(cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
        near = min(separations.values(), default=np.inf)
        if near <= state["best"][0]:
            state["best"] = (near, grid)

    def on_actions(msg) -> None:
        state["class_names"] = list(msg.class_names)
        t = seconds(stamp_to_ns(msg.header.stamp))
        for a in msg.actions:
            labels[a.track_id] = f"{a.label} {a.confidence:.2f}"
            timeline.append((t, a.track_id, a.label))

    def on_status(msg) -> None:
        state["status"] = msg
        stamp = stamp_to_ns(msg.skeletons_stamp)
        decided.setdefault(stamp, msg)
        for old in sorted(decided)[:-200]:
            del decided[old]
        if stamp and state["t0"] is not None:
            speed.append((seconds(stamp), float(msg.speed_scale), int(msg.state)))

    for c in names:
        node.create_subscription(Image, f"{ns}/{c}/image", lambda m, c=c: on_image(c, m),
                                 qos.SENSOR_DATA)
    fused_sub = node.create_subscription(SkeletonArray, f"{ns}/skeletons", on_fused, 100)
    node.create_subscription(ActionArray, f"{ns}/action", on_actions, 100)
    node.create_subscription(SafetyStatus, f"{ns}/safety/status", on_status, 100)
    def on_coverage(msg) -> None:
        state["coverage"] = [*state["coverage"][-100:], msg]

    node.create_subscription(CameraCoverage, f"{ns}/coverage", on_coverage, 100)
    code = 1
    started = time.monotonic()
    try:
        wait_for_publishers(node, fused_sub, timeout=60)
        # Paced on the fused skeletons: a busy machine gets fewer frames, never a backlog
        # that leaves every camera's skeletons stale (and the robot stopped).
        procs["rig"] = start_node("har_ros.nodes.rig_publisher", ns, f"rate:={RATE}",
                                  f"width:={WIDTH}", f"pace_topic:={ns}/skeletons",
                                  remaps=remaps)
        while procs["rig"].poll() is None and time.monotonic() - started < 150:
            tick = time.monotonic() + 1.0
            spin_until(node, lambda end=tick: time.monotonic() >= end, 5)
            status = state["status"]
            print(f"t={time.monotonic() - started:5.1f}s fused frames={state['frames']} "
                  f"people={len(state['ids'])} speed_scale="
                  f"{status.speed_scale if status else 0.0:.2f} "
                  f"{SafetyState(status.state).name if status else 'STARTUP'}: "
                  f"{status.reason[:400] if status else 'no status yet'}", flush=True)
        end = time.monotonic() + 1.0
        spin_until(node, lambda: time.monotonic() >= end, 3, "the last messages")
        if state["writer"] is not None:
            state["writer"].release()
        if state["best"][1] is not None:
            cv2.imwrite(str(out / "cell_grid.png"), cv2.cvtColor(state["best"][1],
                                                                 cv2.COLOR_RGB2BGR))
        write_timeline(out / "cell_timeline.png", timeline, speed, state["class_names"],
                       f"Pose2Sim cell: four cameras fused, a virtual robot (60 fps video "
                       f"replayed at {RATE:g} fps)")
        dead = [n for n, p in procs.items() if n != "rig" and p.poll() is not None]
        scales = [s for _, s, _ in speed]
        span = (state["last"] - state["t0"]) * 1e-9 if state["frames"] > 1 else 0.0
        summary = {"fused_frames": state["frames"], "fused_ids": sorted(state["ids"]),
                   # what this machine sustained (the replay is paced on the fused output)
                   "fused_fps": round((state["frames"] - 1) / span, 1) if span else 0.0,
                   "replay_fps_asked": RATE,
                   "seconds": round(time.monotonic() - started, 1),
                   "speed_scale_min": min(scales, default=0.0),
                   "speed_scale_max": max(scales, default=0.0),
                   "closest_m": round(state["best"][0], 2) if np.isfinite(state["best"][0])
                   else None, "nodes_died": dead,
                   "outputs": ["cell_grid.mp4", "cell_grid.png", "cell_timeline.png",
                               "cell_summary.json"]}
        (out / "cell_summary.json").write_text(json.dumps(summary, indent=2))
        print(json.dumps(summary), flush=True)
        code = 1 if dead or not state["frames"] else 0
    finally:
        stop_processes(procs)
        node.destroy_node()
        rclpy.try_shutdown()
    return code
