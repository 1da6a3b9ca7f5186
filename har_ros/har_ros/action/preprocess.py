"""Normalisation and fixed-length windows: the model's view of a skeleton sequence.

Coordinates are centred on the hips (else the mean of the seen joints) and
divided by the torso length (shoulder centre to hip centre, median over the
sequence), so position and size in the image do not matter. Missing joints
(score 0) stay at 0 and their mask is 0. The same function runs in training
and in the action node, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..skeleton.layouts import Layout


@dataclass(frozen=True)
class Normalisation:
    """What the checkpoint records about preprocessing."""

    window: int = 48  # frames per window
    centre: str = "hips"
    scale: str = "torso"
    features: tuple[str, ...] = ("position", "velocity", "bone")  # channel groups

    def channels(self, coord_dims: int) -> int:
        return coord_dims * len(self.features) + 1  # + mask

    def to_dict(self) -> dict:
        return {"window": self.window, "centre": self.centre, "scale": self.scale,
                "features": list(self.features)}

    @classmethod
    def from_dict(cls, data: dict) -> Normalisation:
        return cls(int(data["window"]), data.get("centre", "hips"), data.get("scale", "torso"),
                   tuple(data.get("features", ("position", "velocity", "bone"))))


def _centre_of(coords: np.ndarray, seen: np.ndarray, joints: list[int]) -> np.ndarray:
    """Per-frame centre (T, D): mean of ``joints`` seen, else of all joints seen."""
    def masked_mean(points: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        count = mask.sum(axis=1)
        total = (points * mask[..., None]).sum(axis=1)
        return total / np.maximum(count, 1)[:, None], count

    everyone, _ = masked_mean(coords, seen)
    if not joints:
        return everyone
    chosen, count = masked_mean(coords[:, joints], seen[:, joints])
    return np.where((count > 0)[:, None], chosen, everyone)


def normalise(sequence: np.ndarray, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """(coords (T, J, D) centred and scaled, mask (T, J)); NaN/inf treated as missing."""
    seq = np.asarray(sequence, dtype=np.float64)
    coords, score = seq[..., :-1], seq[..., -1]
    seen = (score > 0) & np.all(np.isfinite(coords), axis=-1) & np.isfinite(score)
    coords = np.where(seen[..., None], coords, 0.0)
    hips = _centre_of(coords, seen, layout.hip_joints)
    shoulders = _centre_of(coords, seen, layout.shoulder_joints)
    torso = np.linalg.norm(shoulders - hips, axis=-1)
    valid_torso = torso[torso > 1e-6]
    if valid_torso.size:
        scale = float(np.median(valid_torso))
    else:
        spread = coords[seen].std() if seen.any() else 0.0
        scale = float(spread) if spread > 1e-6 else 1.0
    out = np.where(seen[..., None], (coords - hips[:, None, :]) / scale, 0.0)
    return out.astype(np.float32), seen.astype(np.float32)


def resample(array: np.ndarray, length: int) -> np.ndarray:
    """Linearly resample axis 0 to ``length`` frames."""
    t = array.shape[0]
    if t == length:
        return array
    if t == 1:
        return np.repeat(array, length, axis=0)
    positions = np.linspace(0, t - 1, length)
    low = np.floor(positions).astype(int)
    high = np.minimum(low + 1, t - 1)
    w = (positions - low).reshape(-1, *([1] * (array.ndim - 1)))
    return (array[low] * (1 - w) + array[high] * w).astype(array.dtype)


def features(coords: np.ndarray, mask: np.ndarray, layout: Layout,
             norm: Normalisation) -> np.ndarray:
    """Model input (C, T, J): the feature groups stacked, then the mask."""
    groups = []
    for name in norm.features:
        if name == "position":
            groups.append(coords)
        elif name == "velocity":
            vel = np.zeros_like(coords)
            both = (mask[1:] * mask[:-1])[..., None]
            vel[1:] = (coords[1:] - coords[:-1]) * both
            groups.append(vel)
        elif name == "bone":
            bone = np.zeros_like(coords)
            for a, b in layout.bones:
                both = (mask[:, a] * mask[:, b])[:, None]
                bone[:, b] += (coords[:, b] - coords[:, a]) * both
            groups.append(bone)
        else:
            raise ValueError(f"unknown feature {name!r}")
    stacked = np.concatenate([*groups, mask[..., None]], axis=-1)  # (T, J, C)
    return np.ascontiguousarray(stacked.transpose(2, 0, 1), dtype=np.float32)


def window_features(sequence: np.ndarray, layout: Layout, norm: Normalisation) -> np.ndarray:
    """A raw (T, J, C) sequence -> model input (C, window, J)."""
    coords, mask = normalise(sequence, layout)
    coords = resample(coords, norm.window)
    mask = (resample(mask, norm.window) > 0.5).astype(np.float32)
    return features(coords * mask[..., None], mask, layout, norm)
