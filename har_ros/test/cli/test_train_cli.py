"""`har train` as a user runs it: the auto recipe reported, features and streams, bad values."""

import json

import pytest


@pytest.fixture(scope="module")
def data(har, tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "s.npz"
    done = har(
        "synth", "--out", str(path), "--subjects", "4", "--repetitions", "1", "--test-subjects", "1"
    )
    assert done.returncode == 0, done.stderr
    return path


def test_defaults_report_what_the_recipe_chose(har, data, tmp_path):
    done = har(
        "train",
        "--data",
        f"npz:{data}",
        "--out",
        str(tmp_path / "m.pt"),
        "--epochs",
        "2",
        "--threads",
        "1",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert any(r.startswith("validation: none") for r in summary["recipe"])
    assert any(r.startswith("mirror: on") for r in summary["recipe"])


def test_a_stream_ensemble_trains_and_evaluates(har, data, tmp_path):
    ckpt = tmp_path / "streams.pt"
    done = har(
        "train",
        "--data",
        f"npz:{data}",
        "--out",
        str(ckpt),
        "--epochs",
        "1",
        "--threads",
        "1",
        "--features",
        "position,motion,bone",
        "--model-config",
        '{"streams": 3}',
    )
    assert done.returncode == 0, done.stderr
    done = har("eval", "--ckpt", str(ckpt), "--data", f"npz:{data}", "--no-robustness", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["n"] == 20


def test_stream_trains_a_streaming_model_the_node_steps_per_frame(har, data, tmp_path):
    from har_ros.action.checkpoint import load_checkpoint
    from har_ros.action.train import STREAM_SETTINGS

    ckpt = tmp_path / "streaming.pt"
    done = har(
        "train",
        "--data",
        f"npz:{data}",
        "--out",
        str(ckpt),
        "--epochs",
        "1",
        "--threads",
        "1",
        "--stream",
        "--pause-class",
        "waiting",
    )
    assert done.returncode == 0, done.stderr
    checkpoint = load_checkpoint(ckpt)
    assert checkpoint.model_name == STREAM_SETTINGS["model"] and checkpoint.stride == 1
    assert checkpoint.calibration.fitted_on > 100  # every frame of held-out streams
    assert checkpoint.normalisation.sampling == "stream"
    assert checkpoint.training["config"]["pause_class"] == "waiting"
    done = har("eval", "--ckpt", str(ckpt), "--data", f"npz:{data}", "--no-robustness", "--json")
    assert done.returncode == 0, done.stderr  # the clip label: its output at the clip's end
    done = har(
        "train",
        "--data",
        f"npz:{data}",
        "--out",
        str(tmp_path / "x.pt"),
        "--epochs",
        "1",
        "--stream",
        "--pause-class",
        "dancing",
    )
    assert done.returncode == 2 and "pause_class 'dancing'" in done.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--features", "position,speed"], "features must be distinct names"),
        (["--mirror", "sometimes"], "invalid choice"),
        (["--epochs", "0"], "epochs must be at least 1"),
        (["--pretrain", "lift", "--model", "dstformer"], "lifting needs 3D joints"),
        (["--pretrain", "lift"], "lifting pretrains ('dstformer',), not 'stgcn'"),
    ],
)
def test_bad_settings_are_named(har, data, tmp_path, args, message):
    done = har("train", "--data", f"npz:{data}", "--out", str(tmp_path / "x.pt"), *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (tmp_path / "x.pt").exists()


def test_without_flags_the_config_is_train_configs_defaults():
    import argparse

    from har_ros.action.train import TrainConfig
    from har_ros.cli.train import add_arguments, train_config

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert (
        train_config(parser.parse_args(["--data", "npz:x.npz", "--out", "m.pt"])) == TrainConfig()
    )
    flags = parser.parse_args(
        ["--data", "npz:x.npz", "--out", "m.pt", "--window", "12", "--no-augment", "--threads", "0"]
    )
    assert train_config(flags) == TrainConfig(window=12, augment=False)


def test_an_experiment_file_with_flags_over_it(har, data, tmp_path):
    from har_ros.action.checkpoint import load_checkpoint

    experiment = tmp_path / "exp.yaml"
    experiment.write_text(
        "model: lstm\nepochs: 1\nwindow: 16\nthreads: 1\nfeatures: [position, bone]\n"
    )
    done = har(
        "train",
        "--data",
        f"npz:{data}",
        "--out",
        str(tmp_path / "m.pt"),
        "--config",
        str(experiment),
        "--window",
        "12",
    )
    assert done.returncode == 0, done.stderr
    used = load_checkpoint(tmp_path / "m.pt").training["config"]
    assert (used["model"], used["epochs"], used["window"]) == ("lstm", 1, 12)
    assert list(used["features"]) == ["position", "bone"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("epochz: 3\n", "unknown training settings ['epochz']"),
        ("- 3\n", "must be a mapping of training settings"),
        ("lr: fast\n", "lr must be a float"),
        (None, "cannot read it"),
    ],
)
def test_a_bad_experiment_file_is_named_before_the_data_is_read(har, tmp_path, text, message):
    experiment = tmp_path / "exp.yaml"
    if text is not None:
        experiment.write_text(text)
    done = har(
        "train",
        "--data",
        "npz:missing.npz",
        "--out",
        str(tmp_path / "x.pt"),
        "--config",
        str(experiment),
    )
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (tmp_path / "x.pt").exists()


def test_a_lifting_pretrained_backbone_starts_a_classifier_and_is_no_classifier(
    har, data, tmp_path
):
    import numpy as np

    from har_ros.action.dataset import load_npz, save_npz

    flat = load_npz(data)
    rng = np.random.default_rng(0)
    with_depth = [  # the same clips with a depth per joint
        np.concatenate([s[..., :2], rng.normal(0, 0.2, (*s.shape[:2], 1)), s[..., 2:]], axis=2)
        for s in flat.sequences
    ]
    flat.sequences, flat.channels = with_depth, ("x", "y", "z", "score")
    save_npz(flat, tmp_path / "d3.npz")
    tiny = '{"dim": 16, "heads": 2, "depth": 1, "rep": 8, "hidden": 16}'
    common = ("--epochs", "1", "--threads", "1", "--window", "8")
    done = har(
        "train", "--pretrain", "lift", "--model", "dstformer", "--model-config", tiny,
        "--data", f"npz:{tmp_path / 'd3.npz'}", "--out", str(tmp_path / "lift.pt"), *common,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["task"] == "lift_2d_to_3d" and summary["no_depth_mpjpe_torso"] > 0
    done = har("eval", "--ckpt", str(tmp_path / "lift.pt"), "--data", f"npz:{data}")
    assert done.returncode != 0 and "fine-tune it first" in done.stderr, done.stderr
    done = har(
        "train", "--init", str(tmp_path / "lift.pt"), "--data", f"npz:{data}",
        "--out", str(tmp_path / "fine.pt"), *common,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = har("eval", "--ckpt", str(tmp_path / "fine.pt"), "--data", f"npz:{data}", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["n"] == 20, done.stderr
