"""Normalisation and fixed-length windows: the model's view of a skeleton sequence.

Coordinates are centred on the hips (else the mean of the seen joints) and
divided by the torso length (shoulder centre to hip centre, median over the
sequence), so position and size in the image do not matter. Missing joints
(score 0) stay at 0 and their mask is 0. The same function runs in training
and in the action node, so they cannot drift apart.
"""

from __future__ import annotations

import functools
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
    # "resample": a whole clip is squeezed into the window (clip classification, UTD-MHAD);
    # "crop": windows are `window` frames at `rate_hz` cut from a stream (the node's view).
    sampling: str = "resample"
    rate_hz: float = 30.0

    def channels(self, coord_dims: int) -> int:
        return coord_dims * len(self.features) + 1  # + mask

    def to_dict(self) -> dict:
        return {"window": self.window, "centre": self.centre, "scale": self.scale,
                "features": list(self.features), "sampling": self.sampling,
                "rate_hz": self.rate_hz}

    @classmethod
    def from_dict(cls, data: dict) -> Normalisation:
        return cls(int(data["window"]), data.get("centre", "hips"), data.get("scale", "torso"),
                   tuple(data.get("features", ("position", "velocity", "bone"))),
                   data.get("sampling", "resample"), float(data.get("rate_hz", 30.0)))


def _centre_of(coords: np.ndarray, seen: np.ndarray, joints: list[int]) -> np.ndarray:
    """Per-frame centre (..., T, D): mean of ``joints`` seen, else of all joints seen."""
    def masked_mean(points: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        count = mask.sum(axis=-1)
        total = (points * mask[..., None]).sum(axis=-2)
        return total / np.maximum(count, 1)[..., None], count

    everyone, _ = masked_mean(coords, seen)
    if not joints:
        return everyone
    chosen, count = masked_mean(coords[..., joints, :], seen[..., joints])
    return np.where((count > 0)[..., None], chosen, everyone)


def nanmedian(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """``np.nanmedian`` along one axis, NaN where a slice is all NaN.

    Same result as numpy's, without its slow masked-array path for small
    arrays (it dominated the action node's per-step features).
    """
    ordered = np.sort(np.moveaxis(values, axis, -1), axis=-1)  # NaNs sort last
    count = np.sum(~np.isnan(ordered), axis=-1, keepdims=True)
    low = np.take_along_axis(ordered, np.maximum(count - 1, 0) // 2, axis=-1)
    high = np.take_along_axis(ordered, count // 2, axis=-1)
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, (low + high) / 2, np.nan)[..., 0]


def normalise(sequence: np.ndarray, layout: Layout, centre: str = "hips"
              ) -> tuple[np.ndarray, np.ndarray]:
    """(coords (..., T, J, D) centred and scaled, mask (..., T, J)); NaN/inf = missing.

    Works on one sequence (T, J, C) or a batch (N, T, J, C).
    ``centre="hips"`` centres every frame on its own hips (in-place actions);
    ``"hips_sequence"`` subtracts one centre for the whole window, so walking
    across the image stays visible to the model.
    """
    seq = np.asarray(sequence, dtype=np.float64)
    coords, score = seq[..., :-1], seq[..., -1]
    seen = (score > 0) & np.all(np.isfinite(coords), axis=-1) & np.isfinite(score)
    coords = np.where(seen[..., None], coords, 0.0)
    hips = _centre_of(coords, seen, layout.hip_joints)  # (..., T, D)
    shoulders = _centre_of(coords, seen, layout.shoulder_joints)
    torso = np.linalg.norm(shoulders - hips, axis=-1)  # (..., T)
    valid = torso > 1e-6
    scale = nanmedian(np.where(valid, torso, np.nan), axis=-1)  # (...); NaN: no torso seen
    if np.any(~valid.any(axis=-1)):
        spread = np.array([c[m].std() if m.any() else 0.0 for c, m in zip(
            coords.reshape(-1, *coords.shape[-3:]), seen.reshape(-1, *seen.shape[-2:]),
            strict=True)]).reshape(scale.shape)
        fallback = np.where(spread > 1e-6, spread, 1.0)
        scale = np.where(valid.any(axis=-1), scale, fallback)
    if centre == "hips_sequence":
        framed = seen.any(axis=-1)  # (..., T)
        fixed = np.nan_to_num(nanmedian(np.where(framed[..., None], hips, np.nan), axis=-2))
        hips = np.broadcast_to(fixed[..., None, :], hips.shape)
    elif centre != "hips":
        raise ValueError(f"unknown centre {centre!r}; use hips or hips_sequence")
    out = np.where(seen[..., None], (coords - hips[..., None, :]) / scale[..., None, None, None],
                   0.0)
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


@functools.lru_cache(maxsize=16)
def _bone_indices(layout: Layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parent and child joint of every bone, and the (J, B) matrix summing bones into children.

    Built once per layout: the action node computes features every step.
    """
    parent = np.array([a for a, _ in layout.bones], dtype=int)
    child = np.array([b for _, b in layout.bones], dtype=int)
    to_child = np.zeros((layout.num_joints, len(child)), dtype=np.float32)
    to_child[child, np.arange(len(child))] = 1.0
    return parent, child, to_child


def features(coords: np.ndarray, mask: np.ndarray, layout: Layout,
             norm: Normalisation) -> np.ndarray:
    """Model input (..., C, T, J): the feature groups stacked, then the mask."""
    groups = []
    for name in norm.features:
        if name == "position":
            groups.append(coords)
        elif name == "velocity":
            vel = np.zeros_like(coords)
            both = (mask[..., 1:, :] * mask[..., :-1, :])[..., None]
            vel[..., 1:, :, :] = (coords[..., 1:, :, :] - coords[..., :-1, :, :]) * both
            groups.append(vel)
        elif name == "bone":
            parent, child, to_child = _bone_indices(layout)
            both = (mask[..., child] * mask[..., parent])[..., None]
            diffs = (coords[..., child, :] - coords[..., parent, :]) * both  # (..., T, B, D)
            groups.append(np.matmul(to_child.astype(coords.dtype, copy=False), diffs))
        else:
            raise ValueError(f"unknown feature {name!r}")
    stacked = np.concatenate([*groups, mask[..., None]], axis=-1)  # (..., T, J, C)
    return np.ascontiguousarray(np.moveaxis(stacked, -1, -3), dtype=np.float32)


def window_features(sequence: np.ndarray, layout: Layout, norm: Normalisation) -> np.ndarray:
    """A raw (T, J, C) sequence -> model input (C, window, J)."""
    coords, mask = normalise(sequence, layout, norm.centre)
    coords = resample(coords, norm.window)
    mask = (resample(mask, norm.window) > 0.5).astype(np.float32)
    return features(coords * mask[..., None], mask, layout, norm)


def batch_window_features(windows: np.ndarray, layout: Layout, norm: Normalisation
                          ) -> np.ndarray:
    """Windows (N, window, J, C) already on the model's time base -> input (N, C, window, J)."""
    coords, mask = normalise(windows, layout, norm.centre)
    return features(coords * mask[..., None], mask, layout, norm)


def training_window(sequence: np.ndarray, fps: float, norm: Normalisation,
                    rng: np.random.Generator | None = None) -> np.ndarray:
    """The raw (window, J, C) frames a model sees of a clip recorded at ``fps``.

    "resample" keeps the whole clip. "crop" first brings the clip to the model's
    rate, then cuts ``window`` frames (random with ``rng``, else the centre), or
    repeats the edge frames of a shorter clip.
    """
    if norm.sampling == "resample":
        return sequence
    if norm.sampling != "crop":
        raise ValueError(f"unknown sampling {norm.sampling!r}")
    length = max(1, round(len(sequence) * norm.rate_hz / fps))
    clip = resample(sequence, length)
    clip[..., -1] = np.where(resample((sequence[..., -1] > 0).astype(np.float32), length) > 0.5,
                             clip[..., -1], 0.0)
    if length >= norm.window:
        start = int(rng.integers(0, length - norm.window + 1)) if rng is not None \
            else (length - norm.window) // 2
        return clip[start:start + norm.window]
    before = (norm.window - length) // 2
    return np.pad(clip, ((before, norm.window - length - before), (0, 0), (0, 0)), mode="edge")
