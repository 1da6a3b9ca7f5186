"""Noise-robust contrastive training: a clean and a noised view of each clip.

The method of the third seed project (PoseConv3D / MotionBERT backbones
there, the project's own models here): the classification loss, plus an
*instance* contrastive term (each clip's clean embedding must pick out its
own noised view among the batch's, InfoNCE), plus a *group* (class-wise,
supervised contrastive) term (a clean embedding is pulled towards the noised
views of every clip of its class). The noised view perturbs a fraction
``alpha`` of the joints or frames with every kind of noise a pose detector
makes: Gaussian jitter, dropped joints, left/right swaps, dropped frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional

from ..skeleton.layouts import Layout
from .augment import torso_length

NOISE_KINDS = ("jitter", "drop_joints", "swap", "drop_frames")


@dataclass(frozen=True)
class ContrastiveConfig:
    instance_weight: float = 0.1
    group_weight: float = 0.1
    alpha: float = 0.1  # fraction of joints / frames perturbed in the noised view
    temperature: float = 0.1
    jitter_sigma: float = 0.1  # Gaussian jitter, fraction of the torso length

    def validate(self) -> None:
        if self.instance_weight < 0 or self.group_weight < 0:
            raise ValueError("contrastive weights must be >= 0")
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError("alpha must be in [0, 1]")
        if self.temperature <= 0 or self.jitter_sigma < 0:
            raise ValueError("temperature must be > 0 and jitter_sigma >= 0")


def noised(
    sequence: np.ndarray,
    layout: Layout,
    alpha: float,
    rng: np.random.Generator,
    kinds: tuple[str, ...] = NOISE_KINDS,
    jitter_sigma: float = 0.1,
) -> np.ndarray:
    """A (T, J, C) clip with ``alpha`` of its joints (or frames) perturbed by each kind."""
    out = sequence.copy()
    t, j = out.shape[:2]
    seen = out[..., -1] > 0
    if "jitter" in kinds:
        hit = (rng.random((t, j)) < alpha) & seen
        sigma = jitter_sigma * torso_length(sequence, layout)
        out[..., :2] += hit[..., None] * rng.normal(0.0, sigma, out[..., :2].shape)
    if "drop_joints" in kinds:
        out[rng.random((t, j)) < alpha] = 0.0
    if "swap" in kinds:
        frames = rng.random(t) < alpha
        out[frames] = out[frames][:, layout.mirror_permutation]
    if "drop_frames" in kinds and t > 1:
        for k in np.flatnonzero(rng.random(t) < alpha):
            out[k] = out[k - 1] if k else out[1]  # a frame lost: the previous one repeats
    return out


def instance_loss(clean: torch.Tensor, noisy: torch.Tensor, temperature: float) -> torch.Tensor:
    """InfoNCE: clean i must match noisy i among the batch, both ways."""
    z, w = functional.normalize(clean, dim=1), functional.normalize(noisy, dim=1)
    logits = z @ w.t() / temperature
    target = torch.arange(len(z))
    return 0.5 * (
        functional.cross_entropy(logits, target) + functional.cross_entropy(logits.t(), target)
    )


def group_loss(
    clean: torch.Tensor, noisy: torch.Tensor, labels: torch.Tensor, temperature: float
) -> torch.Tensor:
    """Supervised contrastive: clean i towards every noisy view of its class."""
    z, w = functional.normalize(clean, dim=1), functional.normalize(noisy, dim=1)
    log_prob = functional.log_softmax(z @ w.t() / temperature, dim=1)
    positive = (labels[:, None] == labels[None, :]).float()
    return -(log_prob * positive).sum(dim=1).div(positive.sum(dim=1)).mean()
