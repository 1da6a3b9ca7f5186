"""Training-time augmentation of raw (T, J, C) sequences (last channel = score).

Geometric transforms act on the coordinates of seen joints only; all of them
keep the shape and never invent a missing joint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..skeleton.layouts import Layout
from .preprocess import resample


@dataclass(frozen=True)
class Augmentation:
    noise: float = 0.0  # Gaussian keypoint noise, fraction of the torso length
    joint_dropout: float = 0.0  # probability that a joint is missing in a frame
    rotation_deg: float = 0.0  # max in-plane rotation
    scale: float = 0.0  # max relative scale change
    shear: float = 0.0  # max shear
    crop: float = 0.0  # max fraction of frames cut from the start/end
    speed: float = 0.0  # max relative playback speed change
    mirror: float = 0.0  # probability of a left/right mirror
    view_yaw_deg: float = 0.0  # max camera turn about the vertical axis (x squashed by cos)

    @classmethod
    def default(
        cls, noise: float = 0.0, mirror: float = 0.0, view_yaw_deg: float = 0.0
    ) -> Augmentation:
        return cls(
            noise=noise,
            joint_dropout=0.05,
            rotation_deg=15.0,
            scale=0.15,
            shear=0.1,
            crop=0.15,
            speed=0.2,
            mirror=mirror,
            view_yaw_deg=view_yaw_deg,
        )


def torso_length(sequence: np.ndarray, layout: Layout) -> float:
    coords, score = sequence[..., :2], sequence[..., -1]
    hips, shoulders = layout.hip_joints, layout.shoulder_joints
    lengths = []
    for t in range(len(sequence)):
        h = [j for j in hips if score[t, j] > 0]
        s = [j for j in shoulders if score[t, j] > 0]
        if h and s:
            lengths.append(np.linalg.norm(coords[t, s].mean(0) - coords[t, h].mean(0)))
    return float(np.median(lengths)) if lengths else 1.0


def add_noise(
    sequence: np.ndarray, sigma_fraction: float, layout: Layout, rng: np.random.Generator
) -> np.ndarray:
    out = sequence.copy()
    seen = out[..., -1] > 0
    sigma = sigma_fraction * torso_length(sequence, layout)
    noise = rng.normal(0.0, sigma, out[..., :2].shape)
    out[..., :2] = np.where(seen[..., None], out[..., :2] + noise, out[..., :2])
    return out


def drop_joints(sequence: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    out = sequence.copy()
    out[rng.random(out.shape[:2]) < rate] = 0.0
    return out


def affine(
    sequence: np.ndarray, rotation_deg: float, scale: float, shear: float, rng: np.random.Generator
) -> np.ndarray:
    angle = np.radians(rng.uniform(-rotation_deg, rotation_deg))
    s = 1.0 + rng.uniform(-scale, scale)
    sh = rng.uniform(-shear, shear)
    matrix = s * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = matrix @ np.array([[1.0, sh], [0.0, 1.0]])
    out = sequence.copy()
    seen = out[..., -1] > 0
    centre = out[..., :2][seen].mean(axis=0) if seen.any() else np.zeros(2)
    moved = (out[..., :2] - centre) @ matrix.T + centre
    out[..., :2] = np.where(seen[..., None], moved, out[..., :2])
    return out


def view_yaw(sequence: np.ndarray, max_deg: float, rng: np.random.Generator) -> np.ndarray:
    """The camera turned by up to ``max_deg`` about the vertical: x squashed by cos(turn).

    Without depth this is the turn's first-order image: lateral extents and
    lateral travel shrink, heights stay (a side view, from a front one).
    """
    factor = np.cos(np.radians(rng.uniform(0.0, max_deg)))
    out = sequence.copy()
    seen = out[..., -1] > 0
    centre = out[..., 0][seen].mean() if seen.any() else 0.0
    out[..., 0] = np.where(seen, (out[..., 0] - centre) * factor + centre, out[..., 0])
    return out


def crop_and_speed(
    sequence: np.ndarray, crop: float, speed: float, rng: np.random.Generator
) -> np.ndarray:
    t = len(sequence)
    start = int(rng.uniform(0, crop) * t)
    end = t - int(rng.uniform(0, crop) * t)
    part = sequence[start : max(end, start + 2)]
    length = max(2, round(len(part) / (1.0 + rng.uniform(-speed, speed))))
    out = resample(part, length)
    out[..., -1] = np.where(
        resample((part[..., -1] > 0).astype(np.float32), length) > 0.5, out[..., -1], 0.0
    )
    return out


def mirror(sequence: np.ndarray, layout: Layout) -> np.ndarray:
    out = sequence[:, layout.mirror_permutation].copy()
    seen = out[..., -1] > 0
    out[..., 0] = np.where(seen, -out[..., 0], out[..., 0])
    return out


def augment(
    sequence: np.ndarray, layout: Layout, aug: Augmentation, rng: np.random.Generator
) -> np.ndarray:
    out = sequence
    if aug.crop or aug.speed:
        out = crop_and_speed(out, aug.crop, aug.speed, rng)
    if aug.rotation_deg or aug.scale or aug.shear:
        out = affine(out, aug.rotation_deg, aug.scale, aug.shear, rng)
    if aug.view_yaw_deg:
        out = view_yaw(out, aug.view_yaw_deg, rng)
    if aug.mirror and rng.random() < aug.mirror:
        out = mirror(out, layout)
    if aug.noise:
        out = add_noise(out, aug.noise, layout, rng)
    if aug.joint_dropout:
        out = drop_joints(out, aug.joint_dropout, rng)
    return out
