"""Models' shapes, the checkpoint format and its errors, and a tiny train + eval."""

import dataclasses

import numpy as np
import pytest
import torch

from har_ros.action.checkpoint import Checkpoint, CheckpointError, load_checkpoint
from har_ros.action.evaluate import evaluate, robustness
from har_ros.action.models import MODEL_NAMES, build_model, model_settings, normalised_adjacency
from har_ros.action.synth import ACTIONS, make_dataset
from har_ros.action.train import SettingsError, TrainConfig, train
from har_ros.skeleton.layouts import COCO17, Layout


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_forward_shape(name):
    model = build_model(name, 7, 5, COCO17).eval()
    with torch.no_grad():
        assert model(torch.zeros(3, 7, 32, 17)).shape == (3, 5)


def test_graph_model_builds_its_adjacency_from_a_custom_layout():
    arm = Layout("arm3", ("shoulder", "elbow", "wrist"), ((0, 1), (1, 2)))
    adjacency = normalised_adjacency(arm)
    assert adjacency.shape == (3, 3, 3)
    assert adjacency[1, 0, 2] == 0 and adjacency[2, 0, 2] > 0  # wrist is two hops away
    model = build_model("stgcn", 7, 2, arm).eval()
    with torch.no_grad():
        assert model(torch.zeros(1, 7, 16, 3)).shape == (1, 2)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    data = make_dataset(
        subjects=8, repetitions=2, seed=1, test_subjects=2, views=("front", "left_oblique")
    )
    config = TrainConfig(
        model="stgcn", window=24, epochs=15, batch_size=16, seed=0, threads=2, patience=15
    )
    checkpoint, history = train(data.subset(data.split == "train"), config, progress=False)
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    checkpoint.save(path)
    return data, checkpoint, history, path


def test_tiny_training_beats_chance_by_a_wide_margin(trained):
    data, checkpoint, history, _ = trained
    test = data.subset(data.split == "test")
    report = evaluate(checkpoint, test)
    # Chance is 0.2; 20 of 40 right by chance has p < 1e-5 (binomial).
    assert report["top1"] >= 0.5, report["top1"]
    assert set(report["per_class"]) == set(ACTIONS)
    assert len(history["epoch"]) >= 1 and report["top5"] == 1.0
    curves = robustness(
        checkpoint, test, noise_levels=(0.0, 0.5), dropout_levels=(0.0,), alpha_levels=(0.0, 0.5)
    )
    assert curves["noise"]["0.5"] <= curves["noise"]["0.0"]
    assert curves["alpha"]["0.0"] == report["top1"]  # α = 0 changes nothing
    assert curves["alpha"]["0.5"] < curves["alpha"]["0.0"]


def test_checkpoint_round_trip(trained):
    _, checkpoint, _, path = trained
    loaded = load_checkpoint(path, expect_layout="coco17")
    assert loaded.class_names == list(ACTIONS) and loaded.normalisation.window == 24
    x = torch.randn(2, loaded.in_channels, 24, 17)
    with torch.no_grad():
        torch.testing.assert_close(loaded.build()(x), checkpoint.build()(x))


def test_checkpoint_errors_are_clear(trained, tmp_path):
    _, checkpoint, _, path = trained
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "none.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(truncated)
    with pytest.raises(CheckpointError, match="layout 'coco17', expected 'openpose18'"):
        load_checkpoint(path, expect_layout="openpose18")
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a har_ros action checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    wrong = dataclasses.replace(
        checkpoint, normalisation=TrainConfig(window=24, features=("position",)).normalisation()
    )
    wrong.save(tmp_path / "wrong.pt")
    with pytest.raises(CheckpointError, match="weights do not fit"):
        load_checkpoint(tmp_path / "wrong.pt")
    assert isinstance(checkpoint, Checkpoint)
    assert np.isfinite(checkpoint.training["best_val_acc"])


def test_checkpoint_records_every_size_setting_and_unknown_settings_are_refused(trained):
    _, checkpoint, _, _ = trained
    assert checkpoint.model_config == model_settings("stgcn")  # defaults written out in full
    with pytest.raises(ValueError, match="unknown stgcn settings \\['width'\\]"):
        build_model("stgcn", 7, 5, COCO17, {"width": [8]})
    with pytest.raises(ValueError, match="unknown model 'gru'"):
        model_settings("gru")


def test_full_temporal_conv_variant_has_the_same_interface():
    model = build_model("stgcn", 7, 5, COCO17, {"separable": False, "strides": [1, 2, 1]}).eval()
    with torch.no_grad():
        assert model(torch.zeros(2, 7, 32, 17)).shape == (2, 5)


def test_without_a_validation_split_the_last_epoch_is_kept():
    data = make_dataset(subjects=2, repetitions=1, seed=3, test_subjects=0, views=("front",))
    config = TrainConfig(
        model="lstm",
        window=16,
        epochs=3,
        batch_size=8,
        seed=0,
        threads=1,
        patience=1,
        val_fraction=0.0,
    )
    checkpoint, history = train(data, config, progress=False)
    assert checkpoint.training["val_sequences"] == 0
    assert history["epoch"] == [0, 1, 2] and checkpoint.training["best_epoch"] == 2


def test_training_is_repeatable_for_a_seed_and_differs_across_seeds():
    data = make_dataset(subjects=3, repetitions=1, seed=4, test_subjects=1, views=("front",))

    def weights(seed: int) -> dict[str, torch.Tensor]:
        config = TrainConfig(
            model="stgcn", window=16, epochs=2, batch_size=8, seed=seed, threads=1, patience=2
        )
        return train(data, config, progress=False)[0].state_dict

    first, again, other = weights(0), weights(0), weights(1)
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not all(torch.equal(first[k], other[k]) for k in first)


def test_transformer_embeds_and_refuses_too_long_a_window():
    model = build_model("transformer", 7, 5, COCO17, {"max_frames": 16}).eval()
    with torch.no_grad():
        assert model.embed(torch.zeros(2, 7, 16, 17)).shape == (2, 64)
        with pytest.raises(ValueError, match="at most 16"):
            model(torch.zeros(1, 7, 32, 17))


def test_a_stream_ensemble_runs_one_graph_model_per_feature_group():
    model = build_model("stgcn", 7, 4, COCO17, {"streams": 3}).eval()  # 3 groups of 2 + mask
    assert len(model.members) == 3
    x = torch.randn(2, 7, 16, 17)
    with torch.no_grad():
        assert model(x).shape == (2, 4) and model.embed(x).shape == (2, 3 * 64)
        changed = x.clone()
        changed[:, 2:4] += 1.0  # only the second group
        parts = [
            m.embed(torch.cat([g, x[:, -1:]], 1))
            for m, g in zip(
                model.members, (changed[:, 0:2], changed[:, 2:4], changed[:, 4:6]), strict=True
            )
        ]
        assert torch.allclose(torch.cat(parts, 1), model.embed(changed), atol=1e-5)
    assert all(k.startswith(("members.", "head.")) for k in model.state_dict())
    with pytest.raises(ValueError, match="do not split"):
        build_model("stgcn", 8, 4, COCO17, {"streams": 3})


def test_training_stores_a_calibration_fitted_on_held_out_windows(trained):
    _, checkpoint, _, path = trained
    cal = load_checkpoint(path).calibration
    assert cal == checkpoint.calibration and cal.fitted_on > 0
    assert cal.temperature > 0.0 and cal.score == "max_softmax" and 0.0 < cal.threshold < 1.0
    assert checkpoint.training["calibration_sequences"] > 0


def test_a_checkpoint_without_calibration_keeps_the_old_confidence_threshold(trained, tmp_path):
    from har_ros.action.calibration import Calibration
    from har_ros.action.recognizer import UNCALIBRATED_THRESHOLD, ActionRecognizer

    _, checkpoint, _, _ = trained
    old = dataclasses.replace(checkpoint, calibration=Calibration())
    rejection = ActionRecognizer(old).rejection
    assert rejection.score == "max_softmax" and rejection.threshold == UNCALIBRATED_THRESHOLD
    assert ActionRecognizer(checkpoint).rejection == checkpoint.calibration


def test_early_training_needs_stream_windows_and_valid_shares():
    data = make_dataset(subjects=3, repetitions=1, seed=2, test_subjects=1, views=("front",))
    with pytest.raises(SettingsError, match="needs --sampling crop"):
        train(data, TrainConfig(epochs=1, early=0.5), progress=False)
    with pytest.raises(SettingsError, match="early must be in"):
        train(data, TrainConfig(epochs=1, early=1.5, sampling="crop"), progress=False)
    checkpoint, _ = train(
        data,
        TrainConfig(epochs=2, early=1.0, sampling="crop", rate_hz=15.0, window=16, threads=1),
        progress=False,
    )
    assert checkpoint.calibration.fitted_on > 0


def test_a_checkpoint_written_before_a_field_existed_keeps_the_old_meaning():
    """Normalisation has no defaults; from_dict fills a field an old file lacks."""
    from har_ros.action.preprocess import Normalisation
    from har_ros.action.recognizer import DEFAULT_MODEL

    old = Normalisation.from_dict({"window": 32})  # the first checkpoints recorded only this
    assert old == Normalisation(
        32, "hips", "torso", ("position", "velocity", "bone"), "resample", 30.0, "none"
    )
    shipped = load_checkpoint(DEFAULT_MODEL).normalisation  # written 2026-12-02
    assert (shipped.window, shipped.rate_hz, shipped.sampling) == (32, 15.0, "crop")
