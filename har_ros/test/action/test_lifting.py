"""2D->3D lifting pretraining of DSTformer, then fine-tuning from it (tiny inputs)."""

import numpy as np
import pytest
import torch

from har_ros.action.checkpoint import CheckpointError, load_checkpoint, load_init
from har_ros.action.dataset import DatasetError, SequenceDataset
from har_ros.action.lifting import lifting_pairs, pretrain_lifting
from har_ros.action.train import TrainConfig, train
from har_ros.skeleton.layouts import UTD_KINECT20

TINY = {"dim": 16, "heads": 2, "depth": 1, "rep": 8, "hidden": 16}


def _clips_3d(count: int, seed: int) -> list[np.ndarray]:
    """A standing body swaying; each joint has a depth of its own (what lifting can learn)."""
    rng = np.random.default_rng(0)  # the same body in every clip
    body = rng.normal(0.0, 0.3, (20, 3))
    body[UTD_KINECT20.shoulder_joints, 1] = 0.5  # a torso 0.5 m tall: a scale to normalise by
    body[UTD_KINECT20.hip_joints, 1] = 0.0
    clips, rng = [], np.random.default_rng(seed)
    for _ in range(count):
        t = np.arange(int(rng.integers(20, 30)))[:, None, None]
        sway = 0.05 * np.sin(t / 4.0 + rng.uniform(0, 6)) * rng.normal(1.0, 0.2, (1, 20, 3))
        xyz = body + sway
        clips.append(np.concatenate([xyz, np.ones((*xyz.shape[:2], 1))], axis=2).astype("f4"))
    return clips


def _dataset_3d() -> SequenceDataset:
    clips = _clips_3d(24, 1)
    return SequenceDataset(
        clips,
        [i % 2 for i in range(24)],
        ["sway", "stand"],
        [1 + i % 4 for i in range(24)],  # subjects 1, 2, 3, 4
        UTD_KINECT20,
        ("x", "y", "z", "score"),
        np.array(["test" if 1 + i % 4 == 4 else "train" for i in range(24)]),
    )


def _flat(dataset: SequenceDataset) -> SequenceDataset:
    """The same clips in 2D (x, y, score), as a classifier is fine-tuned on them."""
    return SequenceDataset(
        [s[..., [0, 1, 3]] for s in dataset.sequences],
        dataset.labels,
        dataset.class_names,
        dataset.subjects,
        UTD_KINECT20,
    )


def _config(**extra) -> TrainConfig:
    values = {"model": "dstformer", "model_config": TINY, "window": 8, "threads": 1}
    values.update({"device": "cpu", "lr": 3e-3, "batch_size": 8, **extra})
    return TrainConfig(**values)


def test_pairs_are_the_classifiers_input_and_the_normalised_3d_joints():
    dataset = _dataset_3d()
    config = _config()
    x, y, mask = lifting_pairs(dataset, config.normalisation(), 0.0, None)
    assert x.shape == (24, config.normalisation().channels(2), 8, 20)
    assert y.shape == (24, 8, 20, 3) and mask.shape == (24, 8, 20) and mask.all()
    hips = y[:, :, UTD_KINECT20.hip_joints].mean(axis=2)
    np.testing.assert_allclose(hips, 0.0, atol=1e-5)  # centred on the hips
    assert np.abs(y[..., 2]).mean() > 0.1  # the depth the input lacks


def test_pretraining_learns_depth_from_training_subjects_only_and_fine_tunes(tmp_path):
    dataset = _dataset_3d()
    pretrained = pretrain_lifting(dataset, _config(epochs=30), 0.1, progress=False)
    t = pretrained.training
    history = t["history"]
    assert t["subjects"] == [1, 2, 3]  # subject 4 is the test split: never seen
    assert history["train_mpjpe"][-1] < 0.5 * history["train_mpjpe"][0]
    assert t["mpjpe_torso"] < t["no_depth_mpjpe_torso"]  # depth learnt
    assert not any(k.startswith(("head.", "pool.")) for k in pretrained.state_dict)
    path = tmp_path / "lift.pt"
    pretrained.save(path)
    with pytest.raises(CheckpointError, match="fine-tune it first"):
        load_checkpoint(path)  # the node and har eval: no classes to name
    assert load_init(path).model_config == pretrained.model_config

    fine_tune = _config(epochs=1, init=str(path), model_config={}, features=("position",))
    checkpoint, _ = train(_flat(dataset), fine_tune, progress=False)
    # the backbone's input meaning is taken with it: its features, not the flags'
    assert checkpoint.normalisation.features == pretrained.normalisation.features
    assert checkpoint.model_config == pretrained.model_config  # the backbone's size
    assert checkpoint.training["init_weights"] == len(pretrained.state_dict)

    probe, _ = train(_flat(dataset), _config(epochs=2, init=str(path), freeze="backbone"), False)
    for key, value in pretrained.state_dict.items():  # the backbone kept as pretrained
        assert torch.equal(probe.state_dict[key], value), key
    # the classifier's pooling trains with its head, batch-norm statistics included
    assert probe.state_dict["pool.2.running_mean"].abs().sum() > 0


def test_what_cannot_lift_is_refused():
    dataset = _dataset_3d()
    with pytest.raises(DatasetError, match="lifting needs 3D joints"):
        pretrain_lifting(_flat(dataset), _config(epochs=1), progress=False)
    with pytest.raises(ValueError, match="lifting pretrains"):
        pretrain_lifting(dataset, _config(model="stgcn", model_config={}), progress=False)
    with pytest.raises(ValueError, match="corruption"):
        pretrain_lifting(dataset, _config(epochs=1), 1.5, progress=False)
    with pytest.raises(
        ValueError, match="no classifier or augmentation settings: init, contrastive"
    ):
        pretrain_lifting(dataset, _config(init="x.pt", contrastive={"alpha": 0.1}), progress=False)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"channels": []}, "at least a coordinate and the score"),
        ({"state_dict": [1, 2]}, "weights must be a mapping"),
        ({"model_name": "resnet"}, "unknown model 'resnet'"),
        ({"model_config": {"dim": "wide"}}, "cannot be built from its settings"),
        ({"format": "something/1"}, "not a har_ros action checkpoint"),
    ],
)
def test_a_crafted_backbone_file_is_refused_by_name(tmp_path, change, message):
    import torch

    pretrained = pretrain_lifting(_dataset_3d(), _config(epochs=1), progress=False)
    path = tmp_path / "lift.pt"
    pretrained.save(path)
    raw = torch.load(path, weights_only=True)
    torch.save({**raw, **change}, path)
    with pytest.raises(CheckpointError, match=message):
        load_init(path)
