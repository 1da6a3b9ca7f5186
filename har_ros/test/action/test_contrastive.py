import numpy as np
import pytest
import torch

from har_ros.action.contrastive import (
    ContrastiveConfig,
    group_loss,
    instance_loss,
    noised,
)
from har_ros.action.dataset import SequenceDataset
from har_ros.action.train import TrainConfig, train
from har_ros.skeleton.layouts import COCO17


def _clip(seed=0, frames=20):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(100, 300, (frames, 17, 2))
    return np.concatenate([xy, np.ones((frames, 17, 1))], axis=2).astype(np.float32)


def test_alpha_zero_changes_nothing_and_each_kind_does_its_part():
    clip, rng = _clip(), np.random.default_rng(0)
    assert np.array_equal(noised(clip, COCO17, 0.0, rng), clip)
    dropped = noised(clip, COCO17, 0.3, np.random.default_rng(1), kinds=("drop_joints",))
    missing = (dropped[..., 2] == 0).mean()
    assert 0.2 < missing < 0.4 and np.all(dropped[dropped[..., 2] > 0] == clip[dropped[..., 2] > 0])
    swapped = noised(clip, COCO17, 1.0, rng, kinds=("swap",))
    assert np.array_equal(swapped, clip[:, COCO17.mirror_permutation])
    frozen = noised(clip, COCO17, 1.0, rng, kinds=("drop_frames",))
    assert np.array_equal(frozen[2], frozen[1])
    jittered = noised(clip, COCO17, 1.0, rng, kinds=("jitter",))
    assert not np.array_equal(jittered[..., :2], clip[..., :2])
    assert np.array_equal(jittered[..., 2], clip[..., 2])


def test_losses_reward_matching_views():
    torch.manual_seed(0)
    z = torch.randn(8, 16)
    matched = instance_loss(z, z + 0.01 * torch.randn(8, 16), 0.1)
    shuffled = instance_loss(z, z[torch.randperm(8)], 0.1)
    assert matched < 0.1 < shuffled
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    clustered = torch.eye(4).repeat_interleave(2, dim=0) * 5
    assert group_loss(clustered, clustered, labels, 0.1) < group_loss(
        clustered, clustered[torch.randperm(8)], labels, 0.1
    )


def test_config_limits():
    with pytest.raises(ValueError):
        ContrastiveConfig(alpha=1.5).validate()
    with pytest.raises(ValueError):
        ContrastiveConfig(temperature=0).validate()


def test_contrastive_training_runs_and_its_loss_decreases():
    rng = np.random.default_rng(0)
    base = rng.uniform(100, 200, (17, 2))
    seqs, labels = [], []
    for label in range(3):
        direction = np.array([np.cos(label * 2.1), np.sin(label * 2.1)])
        for _ in range(8):
            t = np.arange(24)[:, None, None]
            xy = base + 3.0 * t * direction + rng.normal(0, 2, (24, 17, 2))
            seqs.append(np.concatenate([xy, np.ones((24, 17, 1))], axis=2).astype(np.float32))
            labels.append(label)
    data = SequenceDataset(seqs, labels, ["a", "b", "c"], list(range(24)), COCO17)
    checkpoint, history = train(
        data,
        TrainConfig(
            window=16,
            epochs=8,
            threads=1,
            augment=False,
            val_fraction=0.0,
            batch_size=8,
            contrastive={"alpha": 0.1},
        ),
        progress=False,
    )
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert checkpoint.training["config"]["contrastive"] == {"alpha": 0.1}
