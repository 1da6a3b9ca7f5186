"""Multi-camera cell: cameras x frame rate this machine sustains, and the fused latency.

Real nodes as separate processes, as cell.launch.py starts them: rig_publisher
plays the Pose2Sim videos (preloaded, so that it costs what camera drivers
would, not four video decoders; looping, stamped when published, all cameras
with one stamp) at ``fps``, one pose_node per camera, person_fusion and
safety_node (use_coverage). Sustained rate = skeletons per second each pose
node publishes (a pose node drops frames it cannot keep up with; newest
wins) and fused arrays per second. Latency = image stamp -> the first
safety/status whose ``skeletons_stamp`` names it (image -> pose -> fusion ->
speed decision). The overload case (6 cameras at 30 fps: the Pose2Sim cell
with cam05/cam06 as second copies of cam01/cam02) shows what a machine that
cannot keep up does: it drops frames per camera, counts and names them in
/diagnostics, and every speed decision either used skeletons younger than
the safety node's skeleton_timeout or stopped the robot saying they are
stale (``unsafe_decisions`` counts the others). Rates, latencies and the
speed command's gaps are this machine's figures, printed, not promised.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..common.process_stats import CpuWindow
from ..runtime.pipeline import CAMERA_POSE_PARAMS
from ..runtime.processes import node_command
from .profile import ProfileProbe
from .stats import summarise

if TYPE_CHECKING:
    from ..ros.session import NodeSession

CAMERAS = ("cam01", "cam02", "cam03", "cam04", "cam05", "cam06")  # 05, 06: copies of 01, 02
#: (cameras, fps, pose node parameters beyond the cell launch's)
OVERLOAD = (6, 30.0, {})
CASES = (
    (1, 15.0, {}),
    (2, 15.0, {}),
    (4, 15.0, {}),
    (4, 10.0, {}),
    (4, 15.0, {"detect_every": 2}),
    OVERLOAD,
)
PROFILED_CASES = ((1, 15.0, {}), (4, 15.0, {}), (4, 15.0, {"detect_every": 2}))
WIDTH = 360
TARGET = "4 cameras at 15 fps each"
#: Words of a decision's reason that say its skeletons are missing or too old.
STALE_REASONS = ("skeletons stale", "no skeletons received yet")


def unsafe_decision(status, skeleton_timeout: float) -> str | None:
    """Why a SafetyStatus decision breaks the staleness guarantee, or None.

    The safety node may let the robot move only on skeletons younger than
    ``skeleton_timeout`` by its own clock (the status's stamp less the
    skeletons' stamp); on older or missing skeletons it must stop and say so.
    A slow machine changes how often that happens, never whether it holds.
    """
    from ..ros.stamps import stamp_to_ns

    used = stamp_to_ns(status.skeletons_stamp)
    age = (stamp_to_ns(status.header.stamp) - used) * 1e-9 if used else float("inf")
    if age <= skeleton_timeout + 1e-6:
        return None
    if status.speed_scale == 0.0 and any(r in status.reason for r in STALE_REASONS):
        return None
    return (
        f"speed {status.speed_scale:.2f} on skeletons {age:.3f} s old (timeout "
        f"{skeleton_timeout:.2f} s): {status.reason}"
    )


def six_camera_cell(directory: Path) -> Path:
    """The shipped Pose2Sim cell plus cam05 and cam06, second copies of cam01 and cam02."""
    import yaml

    from ..cell.description import default_cell_file

    cell = yaml.safe_load(Path(default_cell_file()).read_text())
    first = {c["name"]: c for c in cell["cameras"]}
    cell["cameras"] += [
        {**first[source], "name": name} for name, source in (("cam05", "cam01"), ("cam06", "cam02"))
    ]
    path = directory / "cell_six_cameras.yaml"
    path.write_text(yaml.safe_dump(cell))
    return path


def _start(
    session: NodeSession, cameras: tuple[str, ...], fps: float, cell_file: str, pose: dict
) -> None:
    ns = session.namespace
    remaps = [
        f"/{cam}/{leaf}:={ns}/{cam}/{leaf}"
        for cam in cameras
        for leaf in ("image", "camera_info", "skeletons")
    ]
    cell = {"cell_file": cell_file} if cell_file else {}  # else the shipped Pose2Sim cell
    rig = {"rate": fps, "loop": True, "width": WIDTH, "cameras": list(cameras), "preload": True}
    # the rig publishes the cameras' topics at the root, remapped into the session
    session.start("rig", command=node_command("rig_publisher", "", {**rig, **cell}, remaps))
    for cam in cameras:
        session.start(cam, "pose_node", {**CAMERA_POSE_PARAMS, **pose}, sub_namespace=cam)
    session.start("fusion", "person_fusion", cell, remaps)
    session.start("safety", "safety_node", {"use_coverage": True, "publish_markers": False})


def _measure(
    cameras: tuple[str, ...],
    fps: float,
    pose: dict,
    seconds: float,
    profile: bool = False,
    cell_file: str = "",
) -> list[dict]:
    from rclpy.event_handler import SubscriptionEventCallbacks
    from std_msgs.msg import Float64

    from har_msgs.msg import SafetyStatus, SkeletonArray

    from ..ros import qos
    from ..ros.graph import spin_until
    from ..ros.session import NodeSession
    from ..ros.stamps import stamp_to_ns
    from ..safety.node_config import SafetyNodeConfig

    timeout = SafetyNodeConfig().skeleton_timeout  # the bench's safety node runs the default
    with NodeSession("bench_cell") as session:
        ns, node = session.namespace, session.probe
        _start(session, cameras, fps, cell_file, pose)
        per_camera = {cam: [] for cam in cameras}
        fused: list[tuple[int, int]] = []
        decisions: list[tuple[int, int]] = []
        judged = {"on": False, "decisions": 0, "on_old_skeletons": 0, "unsafe": []}
        commands: list[float] = []
        deadlines_missed = 0

        def on_deadline(info) -> None:
            nonlocal deadlines_missed
            deadlines_missed = info.total_count

        for cam in cameras:
            node.create_subscription(
                SkeletonArray,
                f"{ns}/{cam}/skeletons",
                lambda m, c=cam: per_camera[c].append(time.monotonic()),
                qos.STREAM_QUEUE,
            )
        node.create_subscription(
            SkeletonArray,
            f"{ns}/skeletons",
            lambda m: fused.append((time.time_ns(), stamp_to_ns(m.header.stamp))),
            qos.STREAM_QUEUE,
        )

        def on_status(msg) -> None:
            decisions.append((time.time_ns(), stamp_to_ns(msg.skeletons_stamp)))
            if not judged["on"]:
                return
            judged["decisions"] += 1
            used = stamp_to_ns(msg.skeletons_stamp)
            judged["on_old_skeletons"] += (
                not used or stamp_to_ns(msg.header.stamp) - used > timeout * 1e9
            )
            problem = unsafe_decision(msg, timeout)
            if problem is not None:
                judged["unsafe"].append(problem)

        # deep, so that every decision of the window is judged however late this process spins
        node.create_subscription(SafetyStatus, f"{ns}/safety/status", on_status, 1000)
        node.create_subscription(  # the robot's view: the QoS deadline, as a controller sees it
            Float64,
            f"{ns}/speed_scaling",
            lambda m: commands.append(time.monotonic()),
            qos.SPEED_COMMAND,
            event_callbacks=SubscriptionEventCallbacks(deadline=on_deadline),
        )
        probe = ProfileProbe(
            node,
            {
                **{cam: f"{ns}/{cam}/pose_node: pose" for cam in cameras},
                "fusion": f"{ns}/person_fusion: fusion",
                "safety": f"{ns}/safety_node: speed and separation monitoring",
            },
            {name: p.pid for name, p in session.processes.items() if name != "rig"},
        )
        spin_until(node, lambda: len(fused) > 10, 90, "the first fused skeletons")
        spin_until(node, probe.ready, 10, "every node's diagnostics")
        probe.start()
        windows = {name: CpuWindow(p.pid) for name, p in session.processes.items()}
        for window in windows.values():
            window.start()
        start, first_fused, first_command = time.monotonic(), len(fused), len(commands)
        judged["on"] = True
        missed_before = deadlines_missed
        spin_until(node, lambda: time.monotonic() - start > seconds, seconds + 5, "the run")
        by_process = {name: w.percent() for name, w in windows.items()}
        cpu = sum(by_process.values())
        end = time.monotonic()
        fused_window, command_window = fused[first_fused:], commands[first_command:]
        missed = deadlines_missed - missed_before
        # the nodes' totals of the window's last second
        spin_until(node, lambda: time.monotonic() - end > 1.1, 5, "the last diagnostics")
        judged["on"] = False
        received, processed = probe.change("received"), probe.change("processed")
        dropped, malformed = probe.change("dropped"), probe.change("malformed")
        # every frame a pose node took is processed, counted as dropped or malformed; the
        # one it is working on and the one waiting may be neither yet, at either reading
        unaccounted = {c: received[c] - processed[c] - dropped[c] - malformed[c] for c in cameras}
        overload_named = sorted(
            cam
            for cam in cameras
            if any(m.startswith("overloaded") for m in probe.messages.get(cam, ()))
        )
        case = f"{len(cameras)} camera(s) at {fps:g} fps, {WIDTH} px" + "".join(
            f", {k} {v}" for k, v in pose.items()
        )
        profiled = probe.rows("cell", case) if profile else []
    rates = [
        sum(1 for t in stamps if start <= t <= end) / (end - start)
        for stamps in per_camera.values()
    ]
    first_decision: dict[int, int] = {}
    for arrival, used in decisions:
        first_decision.setdefault(used, arrival)
    latencies = [(first_decision[s] - s) * 1e-9 for _, s in fused_window if s in first_decision]
    shares = [processed[c] / received[c] for c in cameras if received[c] > 0]
    return [
        {
            "bench": "cell",
            "case": case,
            "target": TARGET if (len(cameras), fps) == (4, 15.0) else "",
            **summarise(latencies),
            "pose_fps_per_camera": round(float(np.min(rates)), 1),
            "fused_fps": round(len(fused_window) / (end - start), 1),
            "cpu_percent_all": round(cpu),
            "cpu_percent_by_process": ", ".join(f"{n} {c:.0f}" for n, c in by_process.items()),
            "pose_received_fps_min": round(
                min(received.get(c, 0.0) for c in cameras) / (end - start), 1
            ),
            "pose_processed_share_min": round(min(shares), 3) if shares else 0.0,
            "pose_dropped": int(sum(dropped.values())),
            "pose_unaccounted_max": int(max(abs(v) for v in unaccounted.values())),
            "overload_named_by": ",".join(overload_named),
            "decisions": judged["decisions"],
            "decisions_on_old_skeletons": judged["on_old_skeletons"],
            "unsafe_decisions": len(judged["unsafe"]),
            "unsafe_examples": " | ".join(judged["unsafe"][:3]),
            "speed_deadline_missed": int(missed),
            "speed_gap_max_ms": round(1000 * float(np.max(np.diff(command_window))), 1)
            if len(command_window) > 1
            else None,
        },
        *profiled,
    ]


def run(trials: int = 10, profile: bool = False, overload_only: bool = False) -> list[dict]:
    """Every case; with ``profile`` only PROFILED_CASES, with the stage profile.

    ``overload_only``: only 6 cameras at 30 fps.
    """
    import rclpy

    rclpy.init()
    try:
        seconds = max(10.0, float(trials))
        cases = PROFILED_CASES if profile else CASES
        if overload_only:
            cases = (OVERLOAD,)
        with tempfile.TemporaryDirectory() as directory:
            six = str(six_camera_cell(Path(directory)))
            return [
                row
                for n, fps, pose in cases
                for row in _measure(CAMERAS[:n], fps, pose, seconds, profile, six if n > 4 else "")
            ]
    finally:
        rclpy.try_shutdown()
