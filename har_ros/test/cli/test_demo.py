"""`har demo` and `har demo --cell` as `make demo` runs them: the story they tell, in numbers."""

import json
import subprocess
import sys

import pytest

from har_ros.assets import AssetError, asset_path
from har_ros.pose.node_config import PoseNodeConfig

pytestmark = [pytest.mark.graph, pytest.mark.slow]


def _demo(tmp_path, *args):
    done = subprocess.run(
        [sys.executable, "-m", "har_ros.cli.main", "demo", "--out", str(tmp_path), *args],
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def test_single_camera_demo_slows_for_the_walker_and_speeds_up_again(tmp_path):
    try:
        asset_path("sports2d_demo.mp4")
    except AssetError as exc:
        pytest.skip(str(exc))
    _demo(tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    for name in summary["outputs"]:
        assert (tmp_path / name).stat().st_size > 200, name
    assert summary["speed_scale_max"] > 0.2 and summary["speed_scale_min"] == 0.0
    # the walker passes inside the protective ring: that is where the robot stops
    assert summary["closest_approach_m"] < summary["robot"]["protective_radius"]
    assert summary["max_people"] >= 2 and not summary["nodes_died"]


def test_cell_demo_draws_the_fused_people_in_four_views(tmp_path):
    try:
        asset_path("pose2sim_multiperson_cam04.mp4")
    except AssetError as exc:
        pytest.skip(str(exc))
    _demo(tmp_path, "--cell")
    summary = json.loads((tmp_path / "cell_summary.json").read_text())
    for name in summary["outputs"]:
        assert (tmp_path / name).stat().st_size > 200, name
    assert len(summary["fused_ids"]) == 2 and summary["fused_frames"] >= 50
    assert summary["speed_scale_max"] > 0.0 and not summary["nodes_died"]
    # The replay adapted to this machine within the tracker's bound, and says why.
    replay = summary["replay"]
    bound = PoseNodeConfig().tracker_coast_time / 2
    assert replay["detect_every"] == 1 or replay["detect_every"] / replay["rate_fps"] <= bound
    assert replay["why"] and replay["frame_set_latency_s"] > 0, replay
    # The robot, placed once in the cell file, stops for the walker the cameras disagree on,
    # unless the machine was too slow for fresh skeletons at all: then it never moved (the
    # fail-safe). How long and how fast are the demo's figures, not this test's.
    clip = summary["clip"]
    assert clip["seconds_stopped_for_a_near_person"] > 0 or clip["speed_scale_max"] == 0.0, clip
