"""Pose + fusion over Pose2Sim's four real calibrated videos, without ROS (the reference run)."""

import numpy as np
import pytest

from har_ros.assets import AssetError


@pytest.fixture(scope="module")
def rig():
    from har_ros.cell.offline import pose2sim_rig

    try:
        return pose2sim_rig()
    except AssetError as exc:
        pytest.skip(f"Pose2Sim demo not cached: {exc}")


def test_two_people_fused_with_stable_ids_and_small_reprojection_error(rig):
    from har_ros.cell.offline import run_rig

    videos, cameras = rig
    run = run_rig(videos, cameras, width=540, step=2)
    assert len(run.frames) == 50
    ids = run.ids_per_frame()
    assert sum(len(i) == 2 for i in ids) >= 45  # the two people in the capture volume
    assert len(set().union(*ids)) == 2  # never a third id: ids stable over the clip
    views = [len(p.detections) for f in run.frames for p in f.people]
    assert np.mean(views) > 3.5  # almost always seen by all four cameras
    errors = run.reprojection_errors()
    assert np.median(errors) < 10.0 and np.percentile(errors, 95) < 20.0  # px at 540x953
    for frame in run.frames:
        for person in frame.people:
            assert np.linalg.norm(person.position[:2]) < 3.0  # inside the lab


def test_dropping_a_camera_mid_clip_keeps_everyone_tracked(rig):
    from har_ros.cell.offline import run_rig

    videos, cameras = rig
    run = run_rig(videos, cameras, width=540, step=2, drop={"cam02": 40})
    before = run.ids_per_frame()[10]
    after = [i for f, i in zip(run.frames, run.ids_per_frame(), strict=True) if f.index >= 40]
    assert len(before) == 2
    assert sum(i == before for i in after) >= len(after) - 2
    later = [p for f in run.frames if f.index >= 40 for p in f.people]
    assert all("cam02" not in p.detections for p in later)
    assert all(p.keypoints_3d is not None for p in later)  # three views still triangulate


def test_detecting_every_second_frame_keeps_both_people_near_their_detected_places(rig):
    """detect_every 2: the model on half the frames, the tracker predicting the others."""
    from har_ros.cell.offline import run_rig
    from har_ros.pose.node_config import PoseNodeConfig

    videos, cameras = rig
    every = run_rig(videos, cameras, width=540, frames=60)
    half = run_rig(videos, cameras, width=540, frames=60, pose=PoseNodeConfig(detect_every=2))
    ids = half.ids_per_frame()
    assert sum(len(i) == 2 for i in ids) >= 55 and len(set().union(*ids)) == 2
    moved = half.position_errors(every, detect_every=2)
    assert len(moved) >= 50  # both people on the 30 predicted frames, nearly always
    assert np.median(moved) < 0.05 and np.percentile(moved, 95) < 0.15  # m
