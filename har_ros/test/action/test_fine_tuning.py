"""`--init`: fine-tuning from a checkpoint, a new head for new classes, layouts converted."""

import numpy as np
import pytest
import torch

from har_ros.action.checkpoint import load_checkpoint
from har_ros.action.dataset import SequenceDataset
from har_ros.action.train import InitError, TrainConfig, train
from har_ros.skeleton.layouts import COCO17, Layout, get_layout


def _data(names, layout=COCO17, per_class=6, seed=0):
    """Classes that differ by which way the whole body drifts (learnable in a few epochs)."""
    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    base = rng.uniform(100, 200, (layout.num_joints, 2))
    for label in range(len(names)):
        direction = np.array([np.cos(label * 2.1), np.sin(label * 2.1)])
        for _ in range(per_class):
            t = np.arange(24)[:, None, None]
            xy = base + 3.0 * t * direction + rng.normal(0, 2, (24, layout.num_joints, 2))
            seqs.append(
                np.concatenate([xy, np.ones((24, layout.num_joints, 1))], axis=2).astype(np.float32)
            )
            labels.append(label)
    return SequenceDataset(seqs, labels, list(names), list(range(len(seqs))), layout)


CONFIG = dict(window=16, epochs=3, threads=1, augment=False, val_fraction=0.0, batch_size=8)


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    checkpoint, _ = train(_data(["a", "b", "c"]), TrainConfig(**CONFIG), progress=False)
    path = tmp_path_factory.mktemp("init") / "pre.pt"
    checkpoint.save(path)
    return path


def test_new_classes_get_a_new_head_and_keep_the_backbone(pretrained):
    before = load_checkpoint(pretrained)
    tuned, _ = train(
        _data(["x", "y"], seed=1),
        TrainConfig(**CONFIG, init=str(pretrained), freeze="backbone"),
        progress=False,
    )
    assert tuned.class_names == ["x", "y"]
    assert tuned.training["init_weights"] == len(
        [k for k in before.state_dict if not k.startswith("head.")]
    )
    for key, value in before.state_dict.items():
        if key.startswith("head."):
            assert tuned.state_dict[key].shape != value.shape or key.endswith("num_batches")
        elif value.dtype.is_floating_point:
            assert torch.equal(tuned.state_dict[key], value), key  # frozen, stats too


def test_same_classes_start_from_the_whole_model(pretrained):
    tuned, _ = train(
        _data(["a", "b", "c"], seed=2), TrainConfig(**CONFIG, init=str(pretrained)), progress=False
    )
    before = load_checkpoint(pretrained)
    assert tuned.training["init_weights"] == len(before.state_dict)
    assert tuned.model_name == before.model_name
    moved = [
        k
        for k, v in before.state_dict.items()
        if v.dtype.is_floating_point and not torch.equal(tuned.state_dict[k], v)
    ]
    assert moved  # unfrozen: training went on from there


def test_another_layout_is_converted_to_the_checkpoints(pretrained):
    data = _data(["x", "y"], layout=get_layout("openpose18"), seed=3)
    tuned, _ = train(data, TrainConfig(**CONFIG, init=str(pretrained)), progress=False)
    assert tuned.layout.name == "coco17"


def test_what_cannot_start_says_why(pretrained):
    arm = Layout("arm3", ("shoulder", "elbow", "wrist"), ((0, 1), (1, 2)))
    with pytest.raises(InitError, match="no conversion"):
        train(
            _data(["x", "y"], layout=arm),
            TrainConfig(**CONFIG, init=str(pretrained)),
            progress=False,
        )
    with pytest.raises(InitError, match="needs --init"):
        train(_data(["x", "y"]), TrainConfig(**CONFIG, freeze="backbone"), progress=False)


def test_cli_names_a_missing_checkpoint(tmp_path):
    import subprocess
    import sys

    from har_ros.action.dataset import save_npz

    save_npz(_data(["x", "y"]), tmp_path / "d.npz")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "har_ros.cli.main",
            "train",
            "--data",
            f"npz:{tmp_path / 'd.npz'}",
            "--out",
            str(tmp_path / "o.pt"),
            "--init",
            str(tmp_path / "missing.pt"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.startswith("error: ")
    assert "missing.pt" in done.stderr and "Traceback" not in done.stderr
