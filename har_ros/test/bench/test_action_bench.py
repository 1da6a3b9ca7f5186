"""`har bench action --ckpt` measures a checkpoint in any layout (ROS-free)."""

import dataclasses

import numpy as np
import pytest

from har_ros.action.checkpoint import Checkpoint
from har_ros.action.models import build_model, model_settings
from har_ros.action.train import TrainConfig
from har_ros.bench.action import run
from har_ros.skeleton.layouts import UTD_KINECT20


@pytest.mark.parametrize("channels", [("x", "y", "score"), ("x", "y", "z", "score")])
def test_a_checkpoint_in_another_layout_is_measured_not_dropped(tmp_path, channels):
    """Found by measuring: people in COCO-17 met a Kinect checkpoint and none was stepped.

    A 3D checkpoint is stepped too: the bench's people carry 3D joints.
    """
    norm = dataclasses.replace(TrainConfig(window=48).normalisation(), window=16, rate_hz=15.0)
    config = {"widths": [8], "strides": [1], "kernel": 3}
    model = build_model("stgcn", norm.channels(len(channels) - 1), 3, UTD_KINECT20, config)
    path = tmp_path / "kinect.pt"
    Checkpoint(
        "stgcn",
        model_settings("stgcn", config),
        model.state_dict(),
        ["a", "b", "c"],
        UTD_KINECT20,
        channels,
        norm,
        stride=2,
    ).save(path)
    rows = run(trials=1, ckpt=str(path))
    assert [r["case"].split(", ")[-1] for r in rows] == ["1 people", "5 people", "20 people"]
    assert all(r["n"] > 0 and np.isfinite([r["p99_ms"], r["core_pct"]]).all() for r in rows)


def test_a_file_that_is_no_checkpoint_is_named(har, tmp_path):
    (tmp_path / "notes.pt").write_text("not a checkpoint")
    done = har("bench", "action", "--ckpt", str(tmp_path / "notes.pt"))
    assert done.returncode == 2 and "is not a readable checkpoint" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
