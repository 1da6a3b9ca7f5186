"""The four-camera Pose2Sim recording through the real nodes, and cameras lost one by one.

rig_publisher plays the four calibrated videos as synchronised camera streams
on /clock (looping), one pose_node per camera, person_fusion, safety_node with
use_coverage; every node a separate process on sim time, over real DDS.
"""

from __future__ import annotations

import signal
import time

import numpy as np
import pytest
from diagnostic_analyzers import analyzers_taking
from diagnostic_msgs.msg import DiagnosticArray
from visualization_msgs.msg import Marker, MarkerArray

from har_msgs.msg import CameraCoverage, SafetyStatus, Skeleton, SkeletonArray
from har_ros.assets import AssetError
from har_ros.ros import qos
from har_ros.ros.frames import tf2_available
from har_ros.ros.graph import spin_until, wait_for_publishers
from har_ros.ros.hri import body_id, hri_available
from har_ros.ros.stamps import stamp_to_ns

pytestmark = [pytest.mark.graph, pytest.mark.slow]
CAMERAS = ("cam01", "cam02", "cam03", "cam04")
WIDTH = 360


@pytest.fixture
def cell():
    from har_ros.cell.description import default_cell_file, load_cell

    try:
        return load_cell(default_cell_file())
    except (AssetError, FileNotFoundError) as exc:
        pytest.skip(f"Pose2Sim demo not cached: {exc}")


def start_cell(processes, prefix: str) -> dict:
    sim = ["-p", "use_sim_time:=true"]
    procs = {
        "rig": processes.start(
            "--ros-args",
            "-r",
            f"/clock:={prefix}/clock",
            *_remap_cameras(prefix),
            "-p",
            "publish_clock:=true",
            "-p",
            "loop:=true",
            "-p",
            "rate:=10.0",
            "-p",
            "frame_step:=2",
            "-p",
            f"width:={WIDTH}",
            "-p",
            "preload:=true",
            module="har_ros.nodes.rig_publisher",
        )
    }
    for cam in CAMERAS:
        procs[cam] = processes.start(
            "--ros-args",
            "-r",
            f"__ns:={prefix}/{cam}",
            "-r",
            f"/clock:={prefix}/clock",
            *sim,
            module="har_ros.nodes.pose_node",
        )
    procs["fusion"] = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={prefix}",
        "-r",
        f"/clock:={prefix}/clock",
        *sim,
        *_remap_cameras(prefix, "skeletons"),
        module="har_ros.nodes.person_fusion",
    )
    procs["safety"] = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={prefix}",
        "-r",
        f"/clock:={prefix}/clock",
        *sim,
        "-p",
        "use_coverage:=true",
        "-p",
        "robot_zone_points:=[1.5, 1.5]",
        "-p",
        "robot_zone_radius:=0.4",
        module="har_ros.nodes.safety_node",
    )
    return procs


def _follow_hri_bodies(ros_node, prefix: str) -> dict | None:
    """The fused people's REP-155 ids and TF, where hri_msgs and tf2_ros are built."""
    if not (hri_available() and tf2_available()):
        return None
    import tf2_ros
    from hri_msgs.msg import IdsList

    bodies = {"tracked": [], "tf": tf2_ros.Buffer()}
    bodies["listener"] = tf2_ros.TransformListener(bodies["tf"], ros_node, spin_thread=False)
    ros_node.create_subscription(
        IdsList, f"{prefix}/humans/bodies/tracked", bodies["tracked"].append, qos.HRI
    )
    return bodies


def _check_hri_bodies(bodies: dict, fused: list[SkeletonArray], kept_ids: set[int]) -> None:
    """humans/bodies/tracked lists each fused frame's people; body_<id> is in the cell."""
    from rclpy.time import Time

    fused_ids = {
        stamp_to_ns(m.header.stamp): sorted(body_id(s.track_id) for s in m.skeletons) for m in fused
    }
    pairs = [
        (sorted(m.ids), fused_ids[stamp_to_ns(m.header.stamp)])
        for m in bodies["tracked"][-40:]
        if stamp_to_ns(m.header.stamp) in fused_ids
    ]
    assert len(pairs) >= 20 and all(ids == want for ids, want in pairs), pairs
    for track_id in kept_ids:
        transform = bodies["tf"].lookup_transform("cell", f"body_{body_id(track_id)}", Time())
        assert np.hypot(transform.transform.translation.x, transform.transform.translation.y) < 3.0


def _remap_cameras(prefix: str, leaf: str = "") -> list[str]:
    """The cell file's absolute camera topics moved under this test's namespace."""
    leaves = [leaf] if leaf else ["image", "camera_info"]
    return [
        arg
        for cam in CAMERAS
        for name in leaves
        for arg in ("-r", f"/{cam}/{name}:={prefix}/{cam}/{name}")
    ]


def test_four_cameras_fused_then_lost_one_by_one(ros_node, processes, topic_prefix, cell):
    from har_ros.ros.skeleton_msgs import msg_to_frame

    fused: list[SkeletonArray] = []
    coverage: list[CameraCoverage] = []
    status: list[SafetyStatus] = []
    markers: list[MarkerArray] = []
    ros_node.create_subscription(
        MarkerArray, f"{topic_prefix}/safety/markers", markers.append, qos.DEFAULT
    )
    sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", fused.append, qos.STREAM_QUEUE
    )
    ros_node.create_subscription(
        CameraCoverage, f"{topic_prefix}/coverage", coverage.append, qos.STREAM_QUEUE
    )
    ros_node.create_subscription(
        SafetyStatus, f"{topic_prefix}/safety/status", status.append, qos.STATE
    )
    bodies = _follow_hri_bodies(ros_node, topic_prefix)
    statuses: set[str] = set()  # the /diagnostics status names of the cell's nodes
    ros_node.create_subscription(
        DiagnosticArray,
        "/diagnostics",
        lambda d: statuses.update(
            s.name for s in d.status if s.name.startswith(f"{topic_prefix}/")
        ),
        qos.DEFAULT,
    )
    procs = start_cell(processes, topic_prefix)
    wait_for_publishers(ros_node, sub, timeout=60)
    spin_until(ros_node, lambda: len(fused) >= 70, timeout=180, what="70 fused frames")

    # 1. all four cameras: the two people of the capture volume, stable ids, triangulated
    window = fused[-30:]
    ids = [{s.track_id for s in m.skeletons} for m in window]
    assert sum(len(i) == 2 for i in ids) >= 25, ids
    assert len(set().union(*ids)) <= 3  # at most one id handed out again in 30 frames
    # the error depends on the stretch of the looping video (4-8 px from one 30-frame
    # stretch to the next here): the median is taken over the last 60 fused frames
    measured = fused[-60:]
    frames = [msg_to_frame(m) for m in measured]
    errors, sources = [], []
    for msg, frame in zip(measured, frames, strict=True):
        assert msg.header.frame_id == "cell"
        for skeleton, person in zip(msg.skeletons, frame.people, strict=True):
            # triangulated; a person that only one camera found in that instant (the
            # others missed the detection) gets the floor estimate of that view instead
            assert skeleton.position_source in (
                skeleton.POSITION_TRIANGULATED,
                skeleton.POSITION_FLOOR,
            )
            sources.append(skeleton.position_source)
            assert np.hypot(skeleton.position.x, skeleton.position.y) < 3.0
            if skeleton.position_source == skeleton.POSITION_TRIANGULATED:
                errors += _reprojection(cell, msg, person)
    assert sources.count(Skeleton.POSITION_TRIANGULATED) >= 0.9 * len(sources), sources
    assert np.median(errors) < 10.0, np.median(errors)  # px at 360 px wide
    assert list(coverage[-1].cameras) == list(CAMERAS)
    # a camera whose frame set came too late for one step is briefly not live on a loaded
    # machine: all four are live again once they keep up
    spin_until(ros_node, lambda: all(coverage[-1].live), timeout=30, what="every camera live")
    steady = fused[-1]
    kept_ids = {s.track_id for s in steady.skeletons}
    # what RViz shows: 3D skeletons and a text per fused person, in the cell frame
    spin_until(
        ros_node,
        lambda: markers and any(m.ns == "skeletons" for m in markers[-1].markers),
        timeout=10,
        what="skeleton markers",
    )
    last = markers[-1].markers
    assert {m.header.frame_id for m in last} == {"cell"}
    skeletons = [m for m in last if m.ns == "skeletons"]
    assert all(m.type == Marker.LINE_LIST and len(m.points) >= 20 for m in skeletons)
    assert {m.id for m in skeletons} <= set().union(*ids)
    assert [m.text for m in last if m.ns == "zones"] == [
        "robot zone",
        "protective",
        "reduced speed",
    ]
    assert all(m.text.startswith(f"#{m.id} ") for m in last if m.ns == "people")
    if bodies is not None:
        _check_hri_bodies(bodies, fused, kept_ids)
    # every node of the cell reports under its own name, each in one aggregator group
    spin_until(ros_node, lambda: len(statuses) >= 6, timeout=10, what="each node's diagnostics")
    assert statuses == {f"{topic_prefix}/{c}/pose_node: pose" for c in CAMERAS} | {
        f"{topic_prefix}/person_fusion: fusion",
        f"{topic_prefix}/safety_node: speed and separation monitoring",
    }, statuses
    assert all(len(analyzers_taking(name)) == 1 for name in statuses)

    # 2. one camera's pipeline dies: its view is reported lost, the robot slows, people stay
    procs["cam02"].send_signal(signal.SIGKILL)
    spin_until(
        ros_node,
        lambda: coverage and not coverage[-1].live[1],
        timeout=20,
        what="cam02 reported silent",
    )
    mark = len(fused)
    spin_until(ros_node, lambda: len(fused) >= mark + 20, timeout=60, what="fusion without cam02")
    after = [{s.track_id for s in m.skeletons} for m in fused[mark:]]
    assert sum(i == kept_ids for i in after) >= len(after) - 3, (kept_ids, after)
    spin_until(
        ros_node,
        lambda: status and "cam02 silent" in status[-1].reason,
        timeout=20,
        what="the safety node naming cam02",
    )
    assert status[-1].speed_scale <= 0.3 + 1e-6

    # 3. every camera pipeline dies: no skeletons at all, a protective stop
    for cam in ("cam01", "cam03", "cam04"):
        procs[cam].send_signal(signal.SIGKILL)

    def stopped_for_silence() -> bool:
        last = status[-1]
        return (
            last.state == SafetyStatus.STATE_PROTECTIVE_STOP
            and last.speed_scale == 0.0
            and ("all cameras silent" in last.reason or "skeletons stale" in last.reason)
        )

    spin_until(ros_node, stopped_for_silence, timeout=20, what="a stop for silent cameras")
    settle = time.monotonic() + 1.0
    spin_until(ros_node, lambda: time.monotonic() > settle, timeout=3)
    assert status[-1].speed_scale == 0.0


def _reprojection(cell, msg: SkeletonArray, person) -> list[float]:
    """Pixel distance between the 3D joints projected into the primary view and its 2D joints."""
    if person.keypoints_3d is None:
        return []
    best = []
    for cam in cell.cameras:  # the primary view is the camera whose 2D the joints match
        cal = cam.calibration.scaled(msg.image_width)
        good = np.isfinite(person.keypoints_3d[:, 0]) & (person.keypoints[:, 2] > 0.3)
        if not good.any():
            return []
        d = np.linalg.norm(
            cal.project(person.keypoints_3d[good]) - person.keypoints[good, :2], axis=1
        )
        if not best or np.median(d) < np.median(best):
            best = d.tolist()
    return best
