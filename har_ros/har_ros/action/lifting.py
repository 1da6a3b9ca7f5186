"""2D->3D lifting: MotionBERT's pretraining of the DSTformer backbone, on the project's 3D data.

MotionBERT (Zhu et al., ICCV 2023) pretrains its backbone to recover 3D
motion from corrupted 2D motion, then fine-tunes it for actions. Here the
3D joints of a dataset (``utd_mhad3d:``, a body tracker's bags) are the
targets; the input is their x, y with the score, made noisy as the noised
view of contrastive training makes it (joints jittered, dropped, swapped
left/right, frames dropped: MotionBERT's masking and noise). The input
features and the window are the classifier's, so ``har train --init`` takes
the backbone as it is. Only rows outside the test split are used: a
benchmark's test subjects are never seen, not even without labels.
"""

from __future__ import annotations

import copy
import time
from dataclasses import asdict

import numpy as np
import torch
from torch import nn

from .checkpoint import CLASSIFIER_PREFIXES, Pretrained
from .contrastive import noised
from .dataset import DatasetError, SequenceDataset
from .devices import Processes, resolve_device
from .dstformer import DSTformer
from .models import build_model, model_settings
from .preprocess import (
    Normalisation,
    normalise_with_travel,
    resample,
    training_window,
    window_features,
)
from .train import TrainConfig, split_train_val

LIFT_MODELS = ("dstformer",)  # models with a per-token representation (``represent``)
LIFT_EPOCHS = 60  # default when the config leaves epochs to the recipe
HOLDOUT_FRACTION = 0.1  # of the training clips, to report the lifting error on (or val_fraction)


def lifting_pairs(
    dataset: SequenceDataset,
    norm: Normalisation,
    corruption: float,
    rng: np.random.Generator | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Model input from each clip's noised 2D, its normalised 3D target, and the target's mask.

    Returns (N, C, window, J) features, (N, window, J, 3) joints in torso
    lengths around the hips, (N, window, J) mask. Without ``rng``: the
    centre window and no noise (the held-out score).
    """
    fps = float(dataset.meta.get("fps", 30.0))
    x, y, mask = [], [], []
    for seq in dataset.sequences:
        window = training_window(seq, fps, norm, rng)  # (T, J, x y z score)
        flat = window[..., [0, 1, 3]]
        if rng is not None and corruption > 0:
            flat = noised(flat, dataset.layout, corruption, rng)
        x.append(window_features(flat, dataset.layout, norm))
        coords, seen, _ = normalise_with_travel(
            window, dataset.layout, norm.centre, travel=False, scale_by=norm.scale
        )
        y.append(resample(coords, norm.window))
        mask.append((resample(seen, norm.window) > 0.5).astype(np.float32))
    return np.stack(x), np.stack(y).astype(np.float32), np.stack(mask)


def lifting_error(
    predicted: torch.Tensor, target: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Mean per-joint position error over the seen joints (MPJPE), in torso lengths."""
    distance = torch.linalg.vector_norm(predicted - target, dim=-1)
    return (distance * mask).sum() / mask.sum().clamp(min=1.0)


class Lifter(nn.Module):
    """The backbone's per-token representation -> x, y, z of each joint in each frame."""

    def __init__(self, backbone: DSTformer, rep: int):
        super().__init__()
        self.backbone = backbone
        self.lift = nn.Linear(rep, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lift(self.backbone.represent(x))


def pretrain_lifting(
    dataset: SequenceDataset, config: TrainConfig, corruption: float = 0.1, progress: bool = True
) -> Pretrained:
    """Train ``config.model``'s backbone to lift noised 2D windows to 3D (its history inside).

    DatasetError for data without z; ValueError for a model that cannot lift.
    """
    from tqdm import tqdm

    if config.model not in LIFT_MODELS:
        raise ValueError(f"lifting pretrains {LIFT_MODELS}, not {config.model!r}")
    if tuple(dataset.channels) != ("x", "y", "z", "score"):
        raise DatasetError(
            f"lifting needs 3D joints (x, y, z, score), the data has {dataset.channels}: "
            "use utd_mhad3d: or a body tracker's bags"
        )
    if config.rotate != "none":
        raise ValueError("lifting takes 2D input, which cannot be turned (rotate none)")
    classifying = {
        "init": config.init,
        "freeze": config.freeze != "none",
        "contrastive": config.contrastive,
        "teacher": config.teacher,
        "streams": config.on_streams,
        "amp": config.amp,
        "noise": config.noise > 0,
        "view_yaw": config.view_yaw > 0,
    }
    if any(classifying.values()):
        raise ValueError(
            "lifting pretraining takes no classifier or augmentation settings: "
            + ", ".join(k for k, v in classifying.items() if v)
        )
    if Processes.from_environment().distributed:
        raise ValueError("lifting pretraining runs in one process, not under torchrun")
    if not 0.0 <= corruption < 1.0:
        raise ValueError(f"corruption must be in [0, 1), got {corruption}")
    config.validate()
    # a benchmark's test subjects: never
    rows = dataset if dataset.split is None else dataset.subset(dataset.split != "test")
    rows_used = "every clip (the data has no test split)" if dataset.split is None else "train"
    if not len(rows):
        raise DatasetError("no clips outside the test split to pretrain on")
    epochs = config.epochs or LIFT_EPOCHS
    torch.manual_seed(config.seed)
    torch.set_num_threads(max(1, config.threads))
    rng = np.random.default_rng(config.seed)
    device = resolve_device(config.device)
    norm = config.normalisation()
    fraction = HOLDOUT_FRACTION if config.val_fraction is None else config.val_fraction
    train_set, held_out = split_train_val(rows, fraction, config.seed)
    settings = model_settings(config.model, config.model_config)
    backbone = build_model(config.model, norm.channels(2), 1, dataset.layout, settings)
    assert isinstance(backbone, DSTformer)  # LIFT_MODELS
    model = Lifter(backbone, settings["rep"]).to(device)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    steps = max(1, int(np.ceil(len(train_set) / config.batch_size)))
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=config.lr, total_steps=epochs * steps
    )
    # without a hold-out (classes of one clip) the error is the training clips' and the
    # last epoch is kept
    check = [
        torch.from_numpy(a).to(device) for a in lifting_pairs(held_out or train_set, norm, 0, None)
    ]
    # the exact x, y with z = 0: a guess of no depth that knows the rest better than the input
    flat = torch.cat([check[1][..., :2], torch.zeros_like(check[1][..., 2:])], dim=-1)
    no_depth = float(lifting_error(flat, check[1], check[2]))
    history: dict[str, list[float]] = {"epoch": [], "train_mpjpe": [], "held_out_mpjpe": []}
    best: tuple[float, dict, int] = (np.inf, {}, 0)
    started = time.perf_counter()
    bar = tqdm(range(epochs), desc=f"lift {config.model} on {device}", disable=not progress)
    for epoch in bar:
        model.train()
        x, y, mask = lifting_pairs(train_set, norm, corruption, rng)
        order = rng.permutation(len(x))
        losses = []
        for start in range(0, len(order), config.batch_size):
            pick = order[start : start + config.batch_size]
            batch = [torch.from_numpy(a[pick]).to(device) for a in (x, y, mask)]
            loss = lifting_error(model(batch[0]), batch[1], batch[2])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            losses.append(float(loss.detach()))
        model.eval()
        with torch.no_grad():
            held = float(lifting_error(model(check[0]), check[1], check[2]))
        for key, value in zip(history, (epoch, float(np.mean(losses)), held), strict=True):
            history[key].append(value)
        bar.set_postfix(mpjpe=f"{np.mean(losses):.3f}", held_out=f"{held:.3f}")
        if held < best[0] or not len(held_out):
            best = (held, copy.deepcopy(backbone.state_dict()), epoch)
    subjects = sorted({int(s) for s in train_set.subjects} | {int(s) for s in held_out.subjects})
    training = {
        "task": "lift_2d_to_3d",
        "config": asdict(config),
        "corruption": corruption,
        "data": dataset.summary(),
        "subjects": subjects,
        "rows": rows_used,
        "clips": len(train_set),
        "held_out_clips": len(held_out),
        "best_epoch": best[2],
        "measured_on": "held-out clips" if len(held_out) else "training clips (no hold-out)",
        "mpjpe_torso": best[0],
        "no_depth_mpjpe_torso": no_depth,
        "seconds": time.perf_counter() - started,
        "device": str(device),
        "history": history,
    }
    weights = {
        k: v.detach().cpu() for k, v in best[1].items() if not k.startswith(CLASSIFIER_PREFIXES)
    }
    flat_channels = ("x", "y", "score")
    return Pretrained(
        config.model, settings, weights, dataset.layout, flat_channels, norm, training
    )
