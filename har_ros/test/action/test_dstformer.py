"""DSTformer: both streams, fused per token, in two sizes (tiny inputs)."""

import numpy as np
import pytest
import torch

from har_ros.action.models import build_model
from har_ros.skeleton.layouts import COCO17


def test_a_few_steps_lower_the_loss_and_the_streams_are_fused_per_token():
    torch.manual_seed(0)
    model = build_model("dstformer", 7, 3, COCO17, {"dim": 16, "heads": 2, "hidden": 32})
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.normal(0, 1, (6, 7, 8, 17)).astype("f4"))
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    optimiser = torch.optim.Adam(model.parameters(), 3e-3)
    losses = []
    for _ in range(8):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0] and model.embed(x).shape == (6, 32)
    assert model.layers[0].fuse.out_features == 2  # a weight for each stream
    with pytest.raises(ValueError, match="at most 243 frames"):
        model(torch.zeros(1, 7, 244, 17))


def test_the_papers_size_has_its_parameters():
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    standard = build_model("dstformer", 7, 60, COCO17, {"size": "standard"})
    backbone = count(standard) - count(standard.pool) - count(standard.head)
    assert 40_000_000 < backbone < 45_000_000  # MotionBERT's DSTformer: 42.5 M
    assert count(build_model("dstformer", 7, 60, COCO17)) < 1_000_000
