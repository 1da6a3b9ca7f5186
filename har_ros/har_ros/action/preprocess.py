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

FEATURE_GROUPS = ("position", "velocity", "motion", "bone", "bone_motion")


CENTRES = ("hips", "hips_sequence")  # each frame's own hips, or the window's median hips
# "torso": the window's median torso length; "frame_torso": each frame's own, so that a
# frame's features do not depend on the window around it (what a streaming model needs)
SCALES = ("torso", "frame_torso")
# "stream": the window ends at the clip's last frame (a streaming model's clip label)
SAMPLINGS = ("resample", "crop", "stream")
# 3D joints only: "face_camera" turns each window about the vertical (y) axis so that
# the hips' left-to-right line is the camera's x axis: any viewpoint looks frontal
ROTATIONS = ("none", "face_camera")


@dataclass(frozen=True)
class Normalisation:
    """What the checkpoint records about preprocessing.

    No defaults here: TrainConfig holds them, and from_dict the ones of
    checkpoints written before a field existed.
    """

    window: int  # frames per window
    centre: str
    scale: str
    features: tuple[str, ...]  # channel groups
    # "resample": a whole clip is squeezed into the window (clip classification, UTD-MHAD);
    # "crop": windows are `window` frames at `rate_hz` cut from a stream (the node's view).
    sampling: str
    rate_hz: float
    rotate: str

    def __post_init__(self) -> None:
        check_features(self.features)
        if self.rotate not in ROTATIONS:
            raise ValueError(f"rotate must be one of {ROTATIONS}, got {self.rotate!r}")
        if self.centre not in CENTRES or self.sampling not in SAMPLINGS or self.scale not in SCALES:
            raise ValueError(
                f"centre must be one of {CENTRES}, sampling one of {SAMPLINGS} "
                f"and scale one of {SCALES}, got {self.centre!r}, "
                f"{self.sampling!r} and {self.scale!r}"
            )

    def channels(self, coord_dims: int) -> int:
        return coord_dims * len(self.features) + 1  # + mask

    def to_dict(self) -> dict:
        return {
            "window": self.window,
            "centre": self.centre,
            "scale": self.scale,
            "features": list(self.features),
            "sampling": self.sampling,
            "rate_hz": self.rate_hz,
            "rotate": self.rotate,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Normalisation:
        """A checkpoint's record; a field it lacks gets the value it had before the field."""
        return cls(
            int(data["window"]),
            data.get("centre", "hips"),
            data.get("scale", "torso"),
            tuple(data.get("features", ("position", "velocity", "bone"))),
            data.get("sampling", "resample"),
            float(data.get("rate_hz", 30.0)),
            data.get("rotate", "none"),
        )


def check_features(features: tuple[str, ...]) -> None:
    """ValueError unless ``features`` are distinct known channel groups (at least one)."""
    unknown = [f for f in features if f not in FEATURE_GROUPS]
    if unknown or not features or len(set(features)) != len(features):
        raise ValueError(
            f"features must be distinct names from {FEATURE_GROUPS}, got {list(features)}"
        )


def _centre_of(coords: np.ndarray, seen: np.ndarray, joints: list[int]) -> np.ndarray:
    """Per-frame centre (..., T, D): mean of ``joints`` seen, else of all joints seen.

    ``coords`` must be 0 where not ``seen``, so masked sums are plain sums.
    """
    if joints:
        count = seen[..., joints].sum(axis=-1)
        chosen = coords[..., joints, :].sum(axis=-2) / np.maximum(count, 1)[..., None]
        if count.all():
            return chosen
    everyone = coords.sum(axis=-2) / np.maximum(seen.sum(axis=-1), 1)[..., None]
    if not joints:
        return everyone
    return np.where((count > 0)[..., None], chosen, everyone)


def nanmedian(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """``np.nanmedian`` along one axis, NaN where a slice is all NaN.

    Same result as numpy's, without its slow masked-array path for small
    arrays (it dominated the action node's per-step features).
    """
    ordered = np.sort(np.moveaxis(values, axis, -1), axis=-1)  # NaNs sort last
    n = ordered.shape[-1]
    if n and not np.isnan(ordered[..., -1]).any():  # no NaN at all: the common case
        return (ordered[..., (n - 1) // 2] + ordered[..., n // 2]) / 2
    count = np.sum(~np.isnan(ordered), axis=-1, keepdims=True)
    low = np.take_along_axis(ordered, np.maximum(count - 1, 0) // 2, axis=-1)
    high = np.take_along_axis(ordered, count // 2, axis=-1)
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, (low + high) / 2, np.nan)[..., 0]


def normalise(
    sequence: np.ndarray, layout: Layout, centre: str = "hips"
) -> tuple[np.ndarray, np.ndarray]:
    """(coords (..., T, J, D) centred and scaled, mask (..., T, J)); NaN/inf = missing.

    Works on one sequence (T, J, C) or a batch (N, T, J, C).
    ``centre="hips"`` centres every frame on its own hips (in-place actions);
    ``"hips_sequence"`` subtracts one centre for the whole window, so walking
    across the image stays visible to the model.
    """
    coords, mask, _ = normalise_with_travel(sequence, layout, centre, travel=False)
    return coords, mask


def normalise_with_travel(
    sequence: np.ndarray,
    layout: Layout,
    centre: str = "hips",
    travel: bool = True,
    scale_by: str = "torso",
    rotate: str = "none",
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`normalise`, and the body's travel (..., T, D) that per-frame centring removed.

    ``coords + travel[..., None, :]`` is the skeleton centred once for the
    whole window (in torso lengths): what the ``motion`` feature moves in.
    ``travel=False`` skips it (None), as the node does for models without it.
    ``rotate="face_camera"`` (3D only) first turns the window as :func:`face_camera`.
    """
    seq = np.array(sequence, dtype=np.float32)  # a copy: missing joints are zeroed in it
    total = seq[..., 0].copy()  # NaN/inf anywhere makes the sum so (faster than isfinite.all)
    for channel in range(1, seq.shape[-1]):
        total += seq[..., channel]
    seen = (seq[..., -1] > 0) & np.isfinite(total)
    seq[~seen] = 0.0
    coords = seq[..., :-1]
    if rotate == "face_camera":
        coords = face_camera(coords, seen, layout)
    hips = _centre_of(coords, seen, layout.hip_joints)  # (..., T, D)
    shoulders = _centre_of(coords, seen, layout.shoulder_joints)
    torso = np.linalg.norm(shoulders - hips, axis=-1)  # (..., T)
    valid = torso > 1e-6
    scale = nanmedian(np.where(valid, torso, np.nan), axis=-1)  # (...); NaN: no torso seen
    if not valid.any(axis=-1).all():
        spread = np.array(
            [
                c[m].std() if m.any() else 0.0
                for c, m in zip(
                    coords.reshape(-1, *coords.shape[-3:]),
                    seen.reshape(-1, *seen.shape[-2:]),
                    strict=True,
                )
            ]
        ).reshape(scale.shape)
        fallback = np.where(spread > 1e-6, spread, 1.0)
        scale = np.where(valid.any(axis=-1), scale, fallback)
    if centre not in ("hips", "hips_sequence"):
        raise ValueError(f"unknown centre {centre!r}; use hips or hips_sequence")
    # (..., T): each frame its own torso ("frame_torso"; the median where it has none)
    scale = (
        np.where(valid, torso, scale[..., None])
        if scale_by == "frame_torso"
        else np.broadcast_to(scale[..., None], torso.shape)
    )
    moved = None
    framed = seen.any(axis=-1)  # (..., T)
    if centre == "hips" and travel and scale_by == "frame_torso":
        moved = _stepwise_travel(hips, framed, scale)
    elif centre == "hips_sequence" or travel:
        fixed = np.nan_to_num(nanmedian(np.where(framed[..., None], hips, np.nan), axis=-2))
        if centre == "hips_sequence":
            moved = np.zeros_like(hips) if travel else None
            hips = fixed[..., None, :]
        else:
            moved = (
                np.where(framed[..., None], hips - fixed[..., None, :], 0.0) / scale[..., None]
            ).astype(np.float32)
    mask = seen.astype(np.float32)
    out = (coords - hips[..., None, :]) * (mask[..., None] / scale[..., None, None])
    return out.astype(np.float32, copy=False), mask, moved


def face_camera(coords: np.ndarray, seen: np.ndarray, layout: Layout) -> np.ndarray:
    """3D joints (..., T, J, 3) turned about the y axis so the hips' left-to-right is +x.

    One angle per window (the mean hip line of the frames that see both hips),
    so the motion inside the window is kept; a window that never sees both
    hips (or the shoulders) is left as it is. The vertical is the y axis, as in
    a camera's optical frame and Kinect skeleton space.
    """
    if coords.shape[-1] != 3:
        raise ValueError(f"rotate face_camera needs 3D joints, got {coords.shape[-1]} coordinates")
    pairs = [(layout.find(f"left_{j}"), layout.find(f"right_{j}")) for j in ("hip", "shoulder")]
    line = np.zeros((*coords.shape[:-3], 3), np.float32)
    for left, right in pairs:  # the hips, and the shoulders only where the hips say nothing
        if not (left and right):
            continue
        both = (seen[..., left[0]] & seen[..., right[0]])[..., None]  # (..., T, 1)
        pair = np.where(both, coords[..., left[0], :] - coords[..., right[0], :], 0.0).sum(-2)
        undecided = np.abs(line[..., [0, 2]]).sum(-1, keepdims=True) <= 1e-9
        line = np.where(undecided, pair, line)
    yaw = np.arctan2(line[..., 2], line[..., 0])  # (...,): the line's angle from +x
    cos, sin = np.cos(yaw)[..., None, None], np.sin(yaw)[..., None, None]
    x, z = coords[..., 0], coords[..., 2]
    out = coords.copy()
    out[..., 0] = cos * x + sin * z  # a turn by -yaw about y
    out[..., 2] = -sin * x + cos * z
    return out


def _stepwise_travel(hips: np.ndarray, framed: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The hips' travel summed frame by frame, each step in its own frame's torso lengths.

    Its frame-to-frame difference depends on two frames only, never on the
    window around them, so a streaming model's ``motion`` is the same in the
    node's two-frame windows as in training streams.
    """
    steps = np.zeros_like(hips)
    both = (framed[..., 1:] & framed[..., :-1])[..., None]
    steps[..., 1:, :] = np.where(
        both, (hips[..., 1:, :] - hips[..., :-1, :]) / scale[..., 1:, None], 0.0
    )
    return np.cumsum(steps, axis=-2).astype(np.float32)


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


def features(
    coords: np.ndarray,
    mask: np.ndarray,
    layout: Layout,
    norm: Normalisation,
    travel: np.ndarray | None = None,
) -> np.ndarray:
    """Model input (..., C, T, J): the feature groups stacked, then the mask.

    ``coords`` must be 0 where ``mask`` is 0 (as :func:`normalise` leaves them).
    ``motion`` moves each joint in the window's frame (``coords + travel``), so
    a walk or a jump keeps its travel, which per-frame ``velocity`` loses.
    """
    xy = np.moveaxis(coords, -1, -3)  # (..., D, T, J), a view
    d = xy.shape[-3]
    out = np.zeros((*xy.shape[:-3], norm.channels(d), *xy.shape[-2:]), np.float32)
    m = mask[..., None, :, :]  # (..., 1, T, J)
    for i, name in enumerate(norm.features):
        group = out[..., i * d : (i + 1) * d, :, :]
        if name == "position":
            group[...] = xy
        elif name == "velocity":  # frame to frame, where the joint is seen in both
            np.multiply(
                xy[..., 1:, :] - xy[..., :-1, :],
                m[..., 1:, :] * m[..., :-1, :],
                out=group[..., 1:, :],
            )
        elif name == "motion":
            moved = xy if travel is None else xy + np.moveaxis(travel, -1, -2)[..., None]
            np.multiply(
                moved[..., 1:, :] - moved[..., :-1, :],
                m[..., 1:, :] * m[..., :-1, :],
                out=group[..., 1:, :],
            )
        elif name in ("bone", "bone_motion"):  # child minus parent, into the child joint
            parent, child, to_child = _bone_indices(layout)
            seen = m[..., child] * m[..., parent]
            bones = (xy[..., child] - xy[..., parent]) * seen  # (..., D, T, bones)
            if name == "bone":
                group[...] = np.matmul(bones, to_child.T)
            else:  # how each bone turns and stretches from frame to frame
                turn = (bones[..., 1:, :] - bones[..., :-1, :]) * (
                    seen[..., 1:, :] * seen[..., :-1, :]
                )
                group[..., 1:, :] = np.matmul(turn, to_child.T)
        else:
            raise ValueError(f"unknown feature {name!r}")
    out[..., -1, :, :] = mask
    return out


def window_features(sequence: np.ndarray, layout: Layout, norm: Normalisation) -> np.ndarray:
    """A raw (T, J, C) sequence -> model input (C, window, J)."""
    coords, mask, travel = normalise_with_travel(
        sequence, layout, norm.centre, "motion" in norm.features, norm.scale, norm.rotate
    )
    coords = resample(coords, norm.window)
    mask = (resample(mask, norm.window) > 0.5).astype(np.float32)
    return features(
        coords * mask[..., None],
        mask,
        layout,
        norm,
        None if travel is None else resample(travel, norm.window),
    )


def batch_window_features(windows: np.ndarray, layout: Layout, norm: Normalisation) -> np.ndarray:
    """Windows (N, window, J, C) already on the model's time base -> input (N, C, window, J)."""
    coords, mask, travel = normalise_with_travel(
        windows, layout, norm.centre, "motion" in norm.features, norm.scale, norm.rotate
    )
    return features(coords, mask, layout, norm, travel)


def at_model_rate(sequence: np.ndarray, fps: float, norm: Normalisation) -> np.ndarray:
    """A clip recorded at ``fps`` brought to the model's rate; a joint is seen where it was."""
    length = max(1, round(len(sequence) * norm.rate_hz / fps))
    clip = resample(sequence, length)
    clip[..., -1] = np.where(
        resample((sequence[..., -1] > 0).astype(np.float32), length) > 0.5, clip[..., -1], 0.0
    )
    return clip


def training_window(
    sequence: np.ndarray, fps: float, norm: Normalisation, rng: np.random.Generator | None = None
) -> np.ndarray:
    """The raw (window, J, C) frames a model sees of a clip recorded at ``fps``.

    "resample" keeps the whole clip. "crop" first brings the clip to the model's
    rate, then cuts ``window`` frames (random with ``rng``, else the centre), or
    repeats the edge frames of a shorter clip.
    """
    if norm.sampling == "resample":
        return sequence
    if norm.sampling not in ("crop", "stream"):
        raise ValueError(f"unknown sampling {norm.sampling!r}")
    clip = at_model_rate(sequence, fps, norm)
    if norm.sampling == "stream":  # what a streaming model has seen at the clip's end
        return _ending_at(clip, len(clip), norm.window, None)
    length = len(clip)
    if length >= norm.window:
        start = (
            int(rng.integers(0, length - norm.window + 1))
            if rng is not None
            else (length - norm.window) // 2
        )
        return clip[start : start + norm.window]
    before = (norm.window - length) // 2
    return np.pad(clip, ((before, norm.window - length - before), (0, 0), (0, 0)), mode="edge")


def _ending_at(clip: np.ndarray, end: int, window: int, before: np.ndarray | None) -> np.ndarray:
    """The ``window`` frames up to ``end``; what lies before the clip is ``before``'s tail.

    Without ``before`` (a new track) the clip's first frame is repeated, as the
    action node does for a window that is not full yet.
    """
    if end >= window:
        return clip[end - window : end]
    missing = window - end
    if before is None or not len(before):
        return np.concatenate([np.repeat(clip[:1], missing, axis=0), clip[:end]])
    prefix = np.pad(
        before[-missing:], ((max(0, missing - len(before)), 0), (0, 0), (0, 0)), mode="edge"
    ).copy()
    # the same person goes on from where they stand: move the prefix to the clip's start
    prefix[..., :2] += seen_centre(clip[0]) - seen_centre(prefix[-1])
    return np.concatenate([prefix, clip[:end]])


def seen_centre(frame: np.ndarray) -> np.ndarray:
    seen = frame[:, -1] > 0
    return frame[seen, :2].mean(axis=0) if seen.any() else np.zeros(2, frame.dtype)


def first_window_end(window: int, min_fill: float) -> int:
    """Frames of an action the earliest window of it holds (at least 2)."""
    return max(2, int(np.ceil(min_fill * window)))


def stream_window(
    sequence: np.ndarray,
    fps: float,
    norm: Normalisation,
    rng: np.random.Generator,
    min_fill: float,
    before: np.ndarray | None = None,
) -> np.ndarray:
    """A window ending at a uniformly random frame of the clip: the node's view of it.

    The action node classifies at a fixed stride while an action goes on, so
    of the windows it sees of an action of L frames, about min(window, L) / L
    end in its first ``window`` frames and hold the end of what came before
    (``before``, another clip brought to the same rate) or, for a new track,
    repeats of the first frame. Uniform end points give exactly that share:
    early recognition is trained in proportion to how often the node needs it.
    """
    clip = at_model_rate(sequence, fps, norm)
    first = min(len(clip), first_window_end(norm.window, min_fill))
    end = int(rng.integers(first, len(clip) + 1))
    return _ending_at(
        clip, end, norm.window, None if before is None else at_model_rate(before, fps, norm)
    )


def stride_windows(
    sequence: np.ndarray, fps: float, norm: Normalisation, stride: int, min_fill: float = 1.0
) -> list[np.ndarray]:
    """Every window the action node would classify while this clip goes by ("crop").

    One every ``stride`` frames from the first with ``min_fill`` of a window
    (the start repeating the first frame) to the clip's end; "resample" models
    see the whole clip once.
    """
    if norm.sampling == "resample":
        return [sequence]
    clip = at_model_rate(sequence, fps, norm)
    first = min(len(clip), first_window_end(norm.window, min_fill))
    ends = list(range(len(clip), first - 1, -max(1, stride)))[::-1]
    return [_ending_at(clip, end, norm.window, None) for end in ends]
