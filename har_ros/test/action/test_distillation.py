"""A window model teaching a streaming one: its targets, the loss, and what it refuses."""

import dataclasses

import numpy as np
import pytest
import torch

from har_ros.action.checkpoint import Checkpoint
from har_ros.action.distillation import (
    DistillationPool,
    Teacher,
    TeacherError,
    distillation_loss,
)
from har_ros.action.models import build_model
from har_ros.action.preprocess import batch_window_features
from har_ros.action.synth import ACTIONS, make_dataset
from har_ros.action.train import SettingsError, TrainConfig, train
from har_ros.skeleton.layouts import COCO17

RATE = 15.0


def window_checkpoint(window: int = 8) -> Checkpoint:
    """A tiny untrained window ST-GCN on the fridge classes, at 15 Hz."""
    norm = TrainConfig(window=window, sampling="crop", rate_hz=RATE).normalisation()
    config = {"widths": [8], "strides": [1], "kernel": 3}
    torch.manual_seed(0)
    model = build_model("stgcn", norm.channels(2), len(ACTIONS), COCO17, config)
    return Checkpoint(
        "stgcn", config, model.state_dict(), list(ACTIONS), COCO17, ("x", "y", "score"), norm
    )


def streams(count: int, length: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    out = rng.uniform(100, 300, (count, length, 17, 3)).astype(np.float32)
    out[..., 2] = 0.9
    return out


def test_a_target_is_the_teachers_output_on_the_window_ending_at_its_frame():
    teacher = Teacher(window_checkpoint(window=8), every=3, temperature=2.0)
    raw = streams(2, 10)
    frames = teacher.frames(10)
    assert list(frames) == [2, 5, 8, 9]  # every third frame, and the last
    targets = teacher.targets(raw)
    assert targets.shape == (2, 4, len(ACTIONS))
    model = teacher.checkpoint.build().eval()
    for k, t in enumerate(frames):
        start = t - 7
        window = raw[:, max(0, start) : t + 1]
        if start < 0:  # the stream's first frame stands in for what came before it
            window = np.concatenate([np.repeat(raw[:, :1], -start, axis=1), window], axis=1)
        x = batch_window_features(window, COCO17, teacher.checkpoint.normalisation)
        with torch.no_grad():
            expected = torch.softmax(model(torch.from_numpy(x)) / 2.0, dim=1).numpy()
        np.testing.assert_allclose(targets[:, k], expected, atol=1e-5)


def test_the_loss_is_zero_where_the_student_agrees_and_ignores_frames_of_no_class():
    targets = torch.softmax(torch.randn(2, 3, 5), dim=2)
    frames = np.array([1, 3, 4])
    logits = torch.zeros(2, 5, 5)
    logits[:, frames] = torch.log(targets) * 2.0  # the same distribution at temperature 2
    known = torch.ones(2, 5, dtype=torch.bool)
    assert distillation_loss(logits, targets, frames, known, 2.0).item() == pytest.approx(
        0.0, abs=1e-5
    )
    other = torch.randn(2, 5, 5)
    assert distillation_loss(other, targets, frames, known, 2.0).item() > 0.0
    nothing_known = torch.zeros(2, 5, dtype=torch.bool)
    assert distillation_loss(other, targets, frames, nothing_known, 2.0).item() == 0.0
    # only frames with a known label count: changing the others leaves the loss as it is
    part = known.clone()
    part[:, 3] = False
    changed = other.clone()
    changed[:, 3, 0] += 5.0  # one class: a different distribution at an unknown frame
    assert distillation_loss(changed, targets, frames, part, 2.0).item() == pytest.approx(
        distillation_loss(other, targets, frames, part, 2.0).item()
    )
    changed[:, 1, 0] += 5.0
    assert distillation_loss(changed, targets, frames, part, 2.0).item() != pytest.approx(
        distillation_loss(other, targets, frames, part, 2.0).item()
    )


def test_a_teacher_of_other_classes_layout_channels_rate_or_kind_is_refused():
    import dataclasses

    channels = ("x", "y", "score")
    teacher = Teacher(window_checkpoint(), every=4, temperature=2.0)
    teacher.check(list(ACTIONS), "coco17", RATE, channels)
    with pytest.raises(TeacherError, match="classes"):
        teacher.check(list(reversed(ACTIONS)), "coco17", RATE, channels)
    with pytest.raises(TeacherError, match="layout"):
        teacher.check(list(ACTIONS), "openpose18", RATE, channels)
    with pytest.raises(TeacherError, match="rate"):
        teacher.check(list(ACTIONS), "coco17", 30.0, channels)
    with pytest.raises(TeacherError, match="channels"):
        teacher.check(list(ACTIONS), "coco17", RATE, ("x", "y", "z", "score"))
    whole_clips = window_checkpoint()
    whole_clips = dataclasses.replace(
        whole_clips,
        normalisation=dataclasses.replace(whole_clips.normalisation, sampling="resample"),
    )
    with pytest.raises(TeacherError, match="sampling crop"):
        Teacher(whole_clips, every=4, temperature=2.0).check(
            list(ACTIONS), "coco17", RATE, channels
        )
    with pytest.raises(SettingsError, match="teacher"):
        TrainConfig(model="stgcn", teacher="t.pt").validate()


def test_a_streaming_model_trains_with_a_teacher_from_a_pool_of_streams(tmp_path):
    path = tmp_path / "teacher.pt"
    window_checkpoint().save(path)
    data = make_dataset(subjects=3, repetitions=1, seed=2, test_subjects=1, views=("front",))
    config = TrainConfig(
        model="stream_stgcn",
        sampling="stream",
        scale="frame_torso",
        stride=1,
        window=16,
        rate_hz=RATE,
        features=("position", "motion", "bone"),
        model_config={"widths": [8], "dilations": [1], "kernel": 3, "memory": [4]},
        epochs=2,
        val_fraction=0.0,
        threads=1,
        teacher=str(path),
        distill_pool=2,
    )
    checkpoint, history = train(data, config, progress=False)
    assert np.isfinite(history["train_loss"]).all()
    assert checkpoint.training["config"]["teacher"] == str(path)
    # the soft targets are in the loss: without their weight the same run's loss is lower
    _, plain = train(data, dataclasses.replace(config, distill=0.0), progress=False)
    assert history["train_loss"][0] > plain["train_loss"][0]
    wrong = dataclasses.replace(config, rate_hz=10.0)
    with pytest.raises(SettingsError, match="rate"):
        train(data, wrong, progress=False)


def test_a_pool_draws_its_streams_with_their_own_targets():
    teacher = Teacher(window_checkpoint(), every=4, temperature=2.0)
    raw = streams(6, 12)
    labels = np.tile(np.arange(12), (6, 1))
    pool = DistillationPool.make(
        teacher,
        raw,
        labels,
        COCO17,
        TrainConfig(
            window=12, sampling="stream", scale="frame_torso", rate_hz=RATE
        ).normalisation(),
    )
    x, y, soft = pool.draw(4, np.random.default_rng(1))
    assert x.shape[0] == y.shape[0] == soft.shape[0] == 4
    for row in range(4):
        source = int(np.flatnonzero((pool.x == x[row]).all(axis=(1, 2, 3)))[0])
        np.testing.assert_array_equal(soft[row], pool.targets[source])
