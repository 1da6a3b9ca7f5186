"""`har demo --cell`: the four-camera Pose2Sim cell through the real nodes, as a 2x2 grid.

rig_publisher -> four pose nodes -> person_fusion -> action_node + safety_node
(use_coverage, the cell's virtual robot), each its own process. Every fused
person is drawn in every camera from its triangulated 3D joints, with the
fused id, action and distance in metres to the robot, whose zones lie on the
floor in each view. Writes demo_out/cell_grid.mp4, cell_grid.png (the frame
with the person nearest the robot), cell_timeline.png and cell_summary.json.

The robot stands where the cell file puts it, the same on every machine. What
adapts to the machine is the replay: after the first fused frames the demo
measures how long a frame set takes (image stamp to fused skeletons) and sets
the replay rate and the pose nodes' ``detect_every`` (choose_replay), so the
safety node decides on skeletons as fresh as this machine can deliver; the
summary records the choice, the reason and what the robot did.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np

from .demo_recording import DemoRecording

WIDTH = 360
RATE = 12.0  # frames per second of the replay (the videos are 60 fps: slow motion)
FAST_RATE = 20.0  # the replay rate that leaves room for predicted frames (detect_every > 1)
ADAPT_AFTER = 8  # fused frames measured before the replay is adapted to the machine


def choose_replay(latency_s: float, coast_half_s: float) -> tuple[float, int, str]:
    """(replay rate, detect_every, why) for frame sets fused ``latency_s`` after their stamp.

    The replay is paced (the next frames go out once the last are fused), so
    the safety node decides on skeletons a latency plus the wait for the next
    frame old. Within half a period every frame can be detected. Within the
    tracker's bound (the pose node detects at least every ``coast_half_s``)
    less a fast period, a faster replay that detects on every n-th frame
    refreshes the skeletons more often with cheap predictions between. Slower
    than that, every frame is detected whatever detect_every: a fast replay
    then only shortens the wait for the next frame.
    """
    if latency_s <= 0.5 / RATE:
        return (
            RATE,
            1,
            (
                f"frame sets fused {latency_s:.3f} s after their stamp, within half a "
                f"period at {RATE:g} fps: every frame detected"
            ),
        )
    if latency_s <= coast_half_s - 1.0 / FAST_RATE:
        every = int(coast_half_s * FAST_RATE + 1e-9)
        return (
            FAST_RATE,
            every,
            (
                f"frame sets fused {latency_s:.3f} s after their stamp: detect_every {every} at "
                f"{FAST_RATE:g} fps (a detection every {every / FAST_RATE:.2f} s, the tracker's "
                "bound) refreshes the skeletons more often, predicted in between"
            ),
        )
    return (
        FAST_RATE,
        1,
        (
            f"frame sets fused {latency_s:.3f} s after their stamp, beyond the tracker's bound "
            f"({coast_half_s:.2f} s) less a period: every frame is detected whatever "
            f"detect_every; {FAST_RATE:g} fps only shortens the wait for the next frame"
        ),
    )


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
                cv2.line(
                    img,
                    tuple(int(v) for v in uv[a]),
                    tuple(int(v) for v in uv[b]),
                    colour_for(track),
                    2,
                    cv2.LINE_AA,
                )
        seen = uv[np.all(np.isfinite(uv), axis=1)]
        if not len(seen):
            continue
        feet = (
            project(np.array([[*np.nanmean(joints[[15, 16], :2], axis=0), 0.0]]))[0]
            if np.isfinite(joints[[15, 16], 0]).any()
            else seen.max(axis=0)
        )
        views.append(
            PersonView(
                track,
                tuple(feet) if np.all(np.isfinite(feet)) else None,
                (seen[:, 0].min(), seen[:, 1].min()),
                labels.get(track, ""),
                separations.get(track, float("nan")),
            )
        )
    robot_uv = project(np.array([[*rings.centre, 0.0]]))[0]
    draw_people_labels(img, views, nearest, robot_uv, state)
    text_box(
        img,
        f"{name}{'' if live else ' SILENT'}",
        (img.shape[1] - 110, img.shape[0] - 10),
        0.5,
        fg=(255, 255, 255) if live else (255, 80, 80),
    )
    return img


class _CellRecorder(DemoRecording):
    """Keeps what the cell demo shows: camera images matched to fused people, actions, speed."""

    def __init__(self, out: Path, names: list[str], calibrations: dict, policy, rings):
        super().__init__()
        self.out = out
        self.names = names
        self.calibrations = calibrations
        self.policy = policy
        self.rings = rings
        self.images: dict[str, dict[int, np.ndarray]] = {c: {} for c in names}
        self.coverage: list = []
        self.decided: dict[int, object] = {}  # skeletons stamp -> the decision made on them
        self.last: int | None = None
        self.writer = None
        self.frames = 0
        self.best: tuple[float, np.ndarray | None] = (np.inf, None)
        self.ids: set[int] = set()
        self.latencies: list[float] = []  # s from image stamp to fused skeletons, per frame
        self.decisions: list[tuple[int, int, float, int, str]] = []  # stamp, skeletons, ...

    def on_image(self, camera: str, msg) -> None:
        from ..pose.image_codec import to_rgb
        from ..ros.image_msgs import image_to_array
        from ..ros.stamps import stamp_to_ns

        images = self.images[camera]
        images[stamp_to_ns(msg.header.stamp)] = to_rgb(msg.encoding, image_to_array(msg))
        for old in sorted(images)[:-30]:
            del images[old]

    def on_fused(self, msg) -> None:
        from ..ros.skeleton_msgs import msg_to_frame

        frame = msg_to_frame(msg)
        self.latencies.append((time.time_ns() - frame.stamp_ns) * 1e-9)
        self.seconds(frame.stamp_ns)
        self.frames += 1
        self.last = frame.stamp_ns
        tiles = [self.images[c].get(frame.stamp_ns) for c in self.names]
        if any(t is None for t in tiles):
            return
        people = {p.track_id: p.keypoints_3d for p in frame.people if p.keypoints_3d is not None}
        self.ids.update(people)
        separations = {
            p.track_id: self.policy.robot_zone.distance(p.position[:2])
            - float(s.position_uncertainty)
            for p, s in zip(frame.people, msg.skeletons, strict=True)
            if p.position is not None
        }
        grid = self._grid(frame.stamp_ns, tiles, people, separations)
        self._write(grid)
        near = min(separations.values(), default=np.inf)
        if near <= self.best[0]:
            self.best = (near, grid)

    def _grid(self, stamp: int, tiles: list, people: dict, separations: dict) -> np.ndarray:
        from ..demo.scene import draw_speed_panel
        from ..ros.stamps import stamp_to_ns
        from ..safety.policy import SafetyState

        status = self.decided.get(stamp, self.status)  # the decision on this frame
        coverage = min(
            self.coverage, default=None, key=lambda c: abs(stamp_to_ns(c.header.stamp) - stamp)
        )
        level = SafetyState(status.state) if status is not None else SafetyState.STARTUP
        scale = float(status.speed_scale) if status is not None else 0.0
        nearest = int(status.nearest_track_id) if status is not None else -1
        live = dict(zip(coverage.cameras, coverage.live, strict=True)) if coverage else {}
        drawn = [
            _tile(
                t,
                self.calibrations[c],
                people,
                self.rings,
                self.labels,
                separations,
                nearest,
                level,
                c,
                live.get(c, True),
            )
            for c, t in zip(self.names, tiles, strict=True)
        ]
        grid = np.vstack([np.hstack(drawn[:2]), np.hstack(drawn[2:4])])
        draw_speed_panel(grid, scale, level, status.reason if status is not None else "", width=300)
        return grid

    def _write(self, grid: np.ndarray) -> None:
        import cv2

        if self.writer is None:
            self.writer = cv2.VideoWriter(
                str(self.out / "cell_grid.mp4"),
                cv2.VideoWriter_fourcc(*"mp4v"),
                RATE,
                (grid.shape[1], grid.shape[0]),
            )
        self.writer.write(cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))

    def on_status(self, msg) -> None:
        from ..ros.stamps import stamp_to_ns

        super().on_status(msg)
        self.decided.setdefault(stamp_to_ns(msg.skeletons_stamp), msg)
        self.decisions.append(
            (
                stamp_to_ns(msg.header.stamp),
                stamp_to_ns(msg.skeletons_stamp),
                float(msg.speed_scale),
                int(msg.state),
                msg.reason,
            )
        )
        for old in sorted(self.decided)[:-200]:
            del self.decided[old]

    def on_coverage(self, msg) -> None:
        self.coverage = [*self.coverage[-100:], msg]

    def progress(self, elapsed: float) -> str:
        from ..safety.policy import SafetyState

        status = self.status
        return (
            f"t={elapsed:5.1f}s fused frames={self.frames} people={len(self.ids)} "
            f"speed_scale={status.speed_scale if status else 0.0:.2f} "
            f"{SafetyState(status.state).name if status else 'STARTUP'}: "
            f"{status.reason[:400] if status else 'no status yet'}"
        )

    def robot_story(self) -> dict:
        """What the robot did while the clip ran: top speed, stops for a near person, ages.

        Over the decisions from the first to the last fused frame (the stale
        stop after the clip's end is not the story).
        """
        from ..safety.policy import SafetyState

        if self.t0 is None or self.last is None:
            return {
                "seconds": 0.0,
                "speed_scale_max": 0.0,
                "seconds_at_zero": 0.0,
                "seconds_stopped_for_a_near_person": 0.0,
                "skeleton_age_s": None,
            }
        clip = [d for d in self.decisions if self.t0 <= d[0] <= self.last + 1e8]
        zero = near = 0.0
        for (stamp, _, scale, state, reason), (after, *_) in itertools.pairwise(clip):
            if scale == 0.0:
                zero += (after - stamp) * 1e-9
                if (
                    state == SafetyState.PROTECTIVE_STOP
                    and reason.startswith("protective stop: person")
                    and "stop distance" in reason
                ):
                    near += (after - stamp) * 1e-9
        ages = [(stamp - used) * 1e-9 for stamp, used, *_ in clip if used]
        return {
            "seconds": round((clip[-1][0] - clip[0][0]) * 1e-9, 2) if clip else 0.0,
            "speed_scale_max": round(max((d[2] for d in clip), default=0.0), 3),
            "seconds_at_zero": round(zero, 2),
            "seconds_stopped_for_a_near_person": round(near, 2),
            "skeleton_age_s": {
                "median": round(float(np.median(ages)), 3),
                "p90": round(float(np.percentile(ages, 90)), 3),
            }
            if ages
            else None,
        }

    def close(self, seconds: float, dead: list[str], replay: dict) -> dict:
        """Write the grid, snapshot, timeline and summary; the summary as a dict."""
        import cv2

        from ..demo.timeline import write_timeline

        if self.writer is not None:
            self.writer.release()
        if self.best[1] is not None:
            cv2.imwrite(
                str(self.out / "cell_grid.png"), cv2.cvtColor(self.best[1], cv2.COLOR_RGB2BGR)
            )
        write_timeline(
            self.out / "cell_timeline.png",
            self.timeline,
            self.speed,
            self.class_names,
            f"Pose2Sim cell: four cameras fused, a virtual robot "
            f"({replay['rate_fps']:g} fps replay of 60 fps video, detect_every "
            f"{replay['detect_every']})",
        )
        scales = [s for _, s, _ in self.speed]
        span = (self.last - self.t0) * 1e-9 if self.frames > 1 else 0.0
        summary = {
            "fused_frames": self.frames,
            "fused_ids": sorted(self.ids),
            # what this machine sustained (the replay is paced on the fused output)
            "fused_fps": round((self.frames - 1) / span, 1) if span else 0.0,
            "replay": replay,
            "seconds": round(seconds, 1),
            "robot_position": [float(v) for v in self.rings.centre],
            "speed_scale_min": min(scales, default=0.0),
            "speed_scale_max": max(scales, default=0.0),
            "clip": self.robot_story(),
            "closest_m": round(self.best[0], 2) if np.isfinite(self.best[0]) else None,
            "nodes_died": dead,
            "outputs": ["cell_grid.mp4", "cell_grid.png", "cell_timeline.png", "cell_summary.json"],
        }
        (self.out / "cell_summary.json").write_text(json.dumps(summary, indent=2))
        return summary


def _set_parameters(node, name: str, values: dict) -> str:
    """Set ``values`` on node ``name`` in this order; the refusals' reasons ("" when all took)."""
    from rcl_interfaces.srv import SetParameters
    from rclpy.parameter import Parameter

    from ..ros.graph import call_service, spin_until

    client = node.create_client(SetParameters, f"{name}/set_parameters")
    try:
        spin_until(node, client.service_is_ready, 20.0, f"{name} parameters")
        reply = call_service(
            node,
            client,
            SetParameters.Request(
                parameters=[
                    Parameter(key, value=value).to_parameter_msg() for key, value in values.items()
                ]
            ),
        )
        return "; ".join(r.reason for r in reply.results if not r.successful)
    finally:
        node.destroy_client(client)


def _adapt(node, ns: str, names: list[str], latencies: list[float]) -> dict:
    """Measure the first frame sets, choose the replay for this machine and set it."""
    from ..pose.node_config import PoseNodeConfig

    latency = float(np.median(latencies[1:]))  # the first frame also waited for discovery
    rate, every, why = choose_replay(latency, PoseNodeConfig().tracker_coast_time / 2)
    refused = []
    if every > 1:
        for camera in names:  # the rate first: detect_every is bounded by it
            refused.append(
                _set_parameters(
                    node, f"{ns}/{camera}/pose_node", {"expected_rate": rate, "detect_every": every}
                )
            )
    if rate != RATE:
        refused.append(_set_parameters(node, f"{ns}/rig_publisher", {"rate": rate}))
    refused = [r for r in refused if r]
    if refused:  # the demo goes on, saying what did not take
        why += f"; refused: {'; '.join(refused)}"
    print(f"replay: {rate:g} fps, detect_every {every}: {why}", flush=True)
    return {
        "rate_fps": rate,
        "detect_every": every,
        "measured_after_frames": len(latencies),
        "frame_set_latency_s": round(latency, 3),
        "why": why,
    }


def run_cell(args: argparse.Namespace) -> int:
    from sensor_msgs.msg import Image

    from har_msgs.msg import ActionArray, CameraCoverage, SafetyStatus, SkeletonArray

    from ..cell.description import default_cell_file, load_cell
    from ..ros import qos
    from ..ros.graph import spin_until
    from ..ros.session import NodeSession
    from ..safety.node_config import SafetyNodeConfig
    from ..safety.zone_rings import zone_rings

    cell = load_cell(default_cell_file())
    names = [c.name for c in cell.cameras]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    safety = {**cell.safety_parameters(), "use_coverage": True, "publish_markers": False}
    config = SafetyNodeConfig(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in safety.items()}
    )
    policy = config.policy_config()
    rec = _CellRecorder(
        out,
        names,
        {c: cell.camera(c).calibration.scaled(WIDTH) for c in names},
        policy,
        zone_rings(policy.robot_zone, policy.ssm, policy.rules),
    )
    with NodeSession("har_cell") as session:
        ns, node = session.namespace, session.probe
        remaps = [
            f"/{c}/{leaf}:={ns}/{c}/{leaf}"
            for c in names
            for leaf in ("image", "camera_info", "skeletons")
        ]
        for c in names:
            session.start(f"pose_{c}", "pose_node", sub_namespace=c)
        session.start("fusion", "person_fusion", remaps=remaps)
        session.start("action", "action_node")
        session.start("safety", "safety_node", safety)
        for c in names:
            node.create_subscription(
                Image, f"{ns}/{c}/image", lambda m, c=c: rec.on_image(c, m), qos.SENSOR_DATA
            )
        fused_sub = node.create_subscription(SkeletonArray, f"{ns}/skeletons", rec.on_fused, 100)
        node.create_subscription(ActionArray, f"{ns}/action", rec.on_actions, 100)
        node.create_subscription(SafetyStatus, f"{ns}/safety/status", rec.on_status, 100)
        node.create_subscription(CameraCoverage, f"{ns}/coverage", rec.on_coverage, 100)
        started = time.monotonic()
        session.wait_for_publishers(fused_sub)
        # Paced on the fused skeletons: a busy machine gets fewer frames, never a backlog
        # that leaves every camera's skeletons stale (and the robot stopped).
        session.start(
            "rig",
            "rig_publisher",
            {"rate": RATE, "width": WIDTH, "pace_topic": f"{ns}/skeletons"},
            remaps,
        )
        replay = {
            "rate_fps": RATE,
            "detect_every": 1,
            "why": f"the clip ended before {ADAPT_AFTER} fused frames were measured",
        }
        adapted = False
        while session.running("rig") and time.monotonic() - started < 150:
            tick = time.monotonic() + 1.0
            spin_until(
                node,
                lambda end=tick, done=adapted: (
                    time.monotonic() >= end or (not done and rec.frames >= ADAPT_AFTER)
                ),
                5,
            )
            if not adapted and rec.frames >= ADAPT_AFTER:
                replay, adapted = _adapt(node, ns, names, rec.latencies), True
                continue
            print(rec.progress(time.monotonic() - started), flush=True)
        end = time.monotonic() + 1.0
        spin_until(node, lambda: time.monotonic() >= end, 3, "the last messages")
        dead = session.died("rig")
        summary = rec.close(time.monotonic() - started, dead, replay)
        print(json.dumps(summary), flush=True)
    return 1 if dead or not rec.frames else 0
