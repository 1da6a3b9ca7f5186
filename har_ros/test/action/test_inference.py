"""The folded inference form computes what the trained module computes."""

import pytest
import torch

from har_ros.action.checkpoint import load_checkpoint
from har_ros.action.inference import FoldedSTGCN, inference_model
from har_ros.action.models import build_model
from har_ros.action.recognizer import DEFAULT_MODEL
from har_ros.skeleton.layouts import COCO17, Layout


def _randomise_norms(model: torch.nn.Module, seed: int) -> None:
    """Give every batch norm non-trivial statistics, as training would."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm1d | torch.nn.BatchNorm2d):
                size = module.num_features
                module.running_mean.copy_(torch.randn(size, generator=generator))
                module.running_var.copy_(torch.rand(size, generator=generator) + 0.5)
                module.weight.copy_(torch.randn(size, generator=generator))
                module.bias.copy_(torch.randn(size, generator=generator))
        for name, parameter in model.named_parameters():
            if name.endswith("edge"):
                parameter.copy_(torch.rand(parameter.shape, generator=generator) * 2)


ARM = Layout("arm3", ("shoulder", "elbow", "wrist"), ((0, 1), (1, 2)))


@pytest.mark.parametrize(
    ("layout", "config", "frames"),
    [
        (COCO17, {}, 32),
        (COCO17, {"widths": [16, 16, 24], "strides": [1, 3, 2], "kernel": 3}, 31),
        (COCO17, {"widths": [8], "strides": [1], "kernel": 9}, 5),  # kernel longer than the window
        (ARM, {"widths": [12, 12], "strides": [2, 1], "kernel": 7}, 17),
    ],
)
@pytest.mark.parametrize("batch", [1, 5])
def test_folded_stgcn_matches_the_module_in_eval_mode(layout, config, frames, batch):
    model = build_model("stgcn", 7, 5, layout, config)
    _randomise_norms(model, seed=batch)
    folded = inference_model(model)
    assert isinstance(folded, FoldedSTGCN)
    x = torch.randn(batch, 7, frames, layout.num_joints)
    with torch.no_grad():
        expected = model(x)  # inference_model() left the module in eval mode
    torch.testing.assert_close(folded(x), expected, rtol=1e-4, atol=1e-4)


def test_the_shipped_model_gives_the_same_classes_folded():
    model = load_checkpoint(DEFAULT_MODEL).build()
    x = torch.randn(20, model.blocks[0].spatial.weight.shape[1] // 3, 32, 17)
    with torch.no_grad():
        expected = model.eval()(x)
    torch.testing.assert_close(inference_model(model)(x), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("name", "config"), [("bilstm", {}), ("lstm", {}), ("stgcn", {"separable": True})]
)
def test_models_without_a_folded_form_run_as_themselves_in_eval_mode(name, config):
    model = build_model(name, 7, 5, COCO17, config)
    assert inference_model(model) is model and not model.training
