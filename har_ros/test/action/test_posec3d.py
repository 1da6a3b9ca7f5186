"""PoseConv3D: pseudo-heatmaps of the three input types, the 3D CNN in two sizes (tiny inputs)."""

import numpy as np
import pytest
import torch

from har_ros.action.models import build_model
from har_ros.action.posec3d import PseudoHeatmaps
from har_ros.skeleton.layouts import COCO17


def _window(n=4, t=8, seed=0):
    x = torch.from_numpy(np.random.default_rng(seed).normal(0, 1, (n, 7, t, 17)).astype("f4"))
    x[:, -1] = 1.0
    return x


@pytest.mark.parametrize("input_type, maps", [("heatmap", 17), ("grayscale", 1), ("skeleton", 19)])
def test_each_input_type_draws_its_maps_where_the_joints_are(input_type, maps):
    render = PseudoHeatmaps(COCO17, input_type, grid=16, sigma=0.6, span=6.0)
    x = torch.zeros(1, 7, 2, 17)
    x[:, -1] = 1.0
    x[0, 0, :, 9], x[0, 1, :, 9] = 1.5, -1.5  # the left wrist up and right of the hips
    out = render(x)
    assert out.shape == (1, maps, 2, 16, 16) and out.max() <= 1.0 + 1e-6
    if input_type == "heatmap":
        peak = divmod(int(out[0, 9, 0].argmax()), 16)
        assert peak == (round(-1.5 * 15 / 6 + 7.5), round(1.5 * 15 / 6 + 7.5))  # (row, column)
    x[0, -1, :, 9] = 0.0  # unseen: no map of it
    if input_type == "heatmap":
        assert render(x)[0, 9].max() == 0


def test_a_few_steps_lower_the_loss_and_the_sizes_are_pyskls():
    torch.manual_seed(0)
    model = build_model("posec3d", 7, 3, COCO17, {"grid": 16, "widths": [8, 16, 16]})
    x, y = _window(6), torch.tensor([0, 1, 2, 0, 1, 2])
    optimiser = torch.optim.Adam(model.parameters(), 1e-2)
    losses = []
    for _ in range(8):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0] and model.embed(x).shape == (6, 16)
    cpu = build_model("posec3d", 7, 60, COCO17)
    standard = build_model("posec3d", 7, 60, COCO17, {"size": "standard"})
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(cpu) < 300_000 and 2_500_000 < count(standard) < 3_200_000
    assert standard.stages[-1].body[-2].out_channels == 512  # SlowOnly-R50's last stage
    with pytest.raises(ValueError, match="sizes are"):
        build_model("posec3d", 7, 3, COCO17, {"size": "huge"})
