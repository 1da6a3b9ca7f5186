"""Custom-layout checkpoints and stored calibrations against crafted inputs (no ROS)."""

import re

import numpy as np
import pytest
import torch

from har_ros.action.calibration import Calibration
from har_ros.action.checkpoint import Checkpoint, CheckpointError, load_checkpoint
from har_ros.action.models import build_model
from har_ros.action.recognizer import ActionRecognizer, RecognizerSettings
from har_ros.action.train import TrainConfig
from har_ros.skeleton.layouts import Layout
from har_ros.skeleton.types import Person, SkeletonFrame

ARM = Layout("arm3", ("shoulder", "elbow", "wrist"), ((0, 1), (1, 2)))
NS = 1_000_000_000


def arm_checkpoint(calibration: Calibration | None = None) -> Checkpoint:
    """A tiny untrained ST-GCN on a custom 3-joint layout, 6 frames at 10 Hz."""
    norm = TrainConfig(window=6, sampling="crop", rate_hz=10.0).normalisation()
    config = {"widths": [8], "strides": [1], "kernel": 3}
    model = build_model("stgcn", norm.channels(2), 2, ARM, config)
    return Checkpoint(
        "stgcn",
        config,
        model.state_dict(),
        ["reach", "rest"],
        ARM,
        ("x", "y", "score"),
        norm,
        stride=1,
        calibration=calibration or Calibration(),
    )


def arm(joints: int, value: float) -> np.ndarray:
    points = np.full((joints, 3), value, np.float32)
    points[:, 0] += np.arange(joints) * 10.0
    points[:, 2] = 0.9
    return points


@pytest.mark.parametrize("joints", [0, 5])
def test_skeletons_that_do_not_fit_a_custom_layout_are_dropped_not_raised(joints):
    """Found and fixed: 0 joints raised ValueError at once, 5 joints on the first window."""
    recognizer = ActionRecognizer(arm_checkpoint(), RecognizerSettings())
    results = []
    for i in range(20):  # a second of the misfit, then a second of a good skeleton
        person = (
            Person(arm(joints, i), "arm3", 0.9, (0, 0, 1, 1), track_id=2)
            if i < 10
            else Person(arm(3, i), "arm3", 0.9, (0, 0, 1, 1), track_id=1)
        )
        results += recognizer.process(SkeletonFrame(i * NS // 10, "cam", 640, 480, [person]))
    assert results and {r.track_id for r in results} == {1}
    assert all(np.isfinite(r.confidence) for r in results)
    assert recognizer.buffers.drops["bad_shape"] == 10


def test_a_custom_layout_under_a_known_name_is_refused(tmp_path):
    """Found and fixed: 'coco17' of 3 joints loaded; every coco17 skeleton then broke it."""
    path = tmp_path / "crafted.pt"
    arm_checkpoint().save(path)
    raw = torch.load(path, weights_only=True)
    raw["layout"] = raw["layout"].replace('"arm3"', '"coco17"')
    torch.save(raw, path)
    with pytest.raises(CheckpointError, match="'coco17' with other joints than the known one"):
        load_checkpoint(path)


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"temperature": 1e-310}, "temperature must be in [0.05, 20.0]"),
        ({"temperature": 1e300, "score": "energy"}, "temperature must be in [0.05, 20.0]"),
        ({"temperature": 0.049}, "temperature must be in [0.05, 20.0]"),
        ({"threshold": 1.5}, "threshold must be in [0, 1] for max_softmax"),
        ({"threshold": -0.2}, "threshold must be in [0, 1] for max_softmax"),
        ({"score": "entropy"}, "rejection score must be one of"),
    ],
)
def test_a_calibration_the_fitting_cannot_produce_is_refused_at_load(tmp_path, values, says):
    """Found and fixed: T = 1e-310 made every confidence NaN; T = 1e300 never rejected."""
    path = tmp_path / "crafted.pt"
    arm_checkpoint().save(path)
    raw = torch.load(path, weights_only=True)
    raw["calibration"].update(values, fitted_on=100)
    torch.save(raw, path)
    with pytest.raises(
        CheckpointError,
        match=re.escape("crafted.pt: calibration refused: ") + ".*" + re.escape(says),
    ):
        load_checkpoint(path)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"state_dict": [1, 2]}, "weights must be a mapping"),
        ({"channels": ["score"]}, "at least a coordinate and the score"),
        ({"model_config": {"widths": "wide"}}, "cannot be built from its settings"),
    ],
)
def test_a_crafted_file_is_named_not_a_traceback(tmp_path, change, says):
    """Found and fixed: these raised AttributeError or RuntimeError from deep in torch."""
    path = tmp_path / "crafted.pt"
    arm_checkpoint().save(path)
    torch.save({**torch.load(path, weights_only=True), **change}, path)
    with pytest.raises(CheckpointError, match=re.escape(says)):
        load_checkpoint(path)


def test_non_finite_weights_are_refused_and_a_nan_output_is_unknown(tmp_path):
    """Found and fixed: NaN weights loaded, and every NaN output was class 0, never unknown."""
    checkpoint = arm_checkpoint(Calibration(threshold=0.2, fitted_on=1))
    name = next(k for k in checkpoint.state_dict if k.endswith("bias"))
    checkpoint.state_dict[name] = torch.full_like(checkpoint.state_dict[name], torch.nan)
    checkpoint.save(tmp_path / "nan.pt")
    with pytest.raises(CheckpointError, match="non-finite weights"):
        load_checkpoint(tmp_path / "nan.pt")
    recognizer = ActionRecognizer(checkpoint, RecognizerSettings())
    results = [
        r
        for i in range(10)
        for r in recognizer.process(
            SkeletonFrame(
                i * NS // 10, "cam", 640, 480, [Person(arm(3, i), "arm3", 0.9, (0, 0, 1, 1), 1)]
            )
        )
    ]
    assert results and all(r.label == "unknown" and r.label_index == -1 for r in results)


@pytest.mark.parametrize("temperature", [0.05, 20.0])
@pytest.mark.parametrize("score", ["max_softmax", "energy"])
def test_no_nan_comes_out_at_the_ends_of_the_accepted_range(temperature, score):
    cal = Calibration(temperature=temperature, score=score, threshold=0.5, fitted_on=1)
    big = float(np.finfo(np.float32).max)
    logits = np.array(
        [
            [big, -big, 0.0],
            [1e-30, 0.0, -1e-30],
            [0.0, 0.0, 0.0],
            [-big, -big, -big],
            [big, big, big],
        ],
        np.float32,
    )
    probs = cal.probabilities(logits)
    assert np.isfinite(probs).all() and np.allclose(probs.sum(axis=1), 1.0)
    assert np.isfinite(cal.known_score(logits)).all()
