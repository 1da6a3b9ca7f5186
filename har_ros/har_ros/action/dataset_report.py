"""What a dataset holds and whether it can train: counts, durations, gaps, duplicates.

ROS-free; `har dataset stats|check` prints these. A *problem* stops training
(the check exits non-zero); a *warning* is worth a look but trains.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from .dataset import SequenceDataset
from .labels import LabelInterval

#: A class with more than this many times the clips of the smallest is imbalanced.
IMBALANCE_WARNING = 3.0
#: Above this fraction of missing joints a clip is mostly guessing.
MISSING_WARNING = 0.3
#: Mean per-joint distance (in torso-normalised units) under which two clips are copies.
DUPLICATE_DISTANCE = 0.02
#: Seconds a visible track may go unlabelled before it is reported as a gap.
GAP_WARNING_S = 1.0
_DUPLICATE_FRAMES = 16


@dataclass
class DatasetReport:
    clips: int
    classes: dict[str, int]
    subjects: dict[str, int]
    views: dict[str, int]
    splits: dict[str, dict[str, int]]
    frames: dict[str, float]
    missing_rate: float
    missing_per_joint: dict[str, float]
    imbalance: float
    duplicates: list[tuple[int, int, float]]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def missing_mask(sequence: np.ndarray) -> np.ndarray:
    """(T, J) True where a joint is missing: score 0 or coordinates not finite."""
    coords_bad = ~np.all(np.isfinite(sequence[..., :-1]), axis=-1)
    score = sequence[..., -1]
    return coords_bad | ~np.isfinite(score) | (score <= 0)


def clip_signature(sequence: np.ndarray, frames: int = _DUPLICATE_FRAMES) -> np.ndarray:
    """The clip resampled to ``frames``, centred and scaled per clip, missing joints 0."""
    missing = missing_mask(sequence)
    coords = np.where(missing[..., None], np.nan, sequence[..., :2].astype(np.float64))
    idx = np.linspace(0, len(sequence) - 1, frames).round().astype(int)
    coords = coords[idx]
    if np.all(np.isnan(coords)):
        return np.zeros(coords.size)
    centred = coords - np.nanmean(coords, axis=(0, 1))
    scale = np.nanstd(centred) or 1.0
    return np.nan_to_num(centred / scale).ravel()


def near_duplicates(
    dataset: SequenceDataset, a: np.ndarray, b: np.ndarray, threshold: float = DUPLICATE_DISTANCE
) -> list[tuple[int, int, float]]:
    """Pairs (i in a, j in b) of clips whose signatures are within ``threshold``."""
    if not len(a) or not len(b):
        return []
    sig_a = np.stack([clip_signature(dataset.sequences[i]) for i in a])
    sig_b = np.stack([clip_signature(dataset.sequences[j]) for j in b])
    dim = sig_a.shape[1] / 2
    pairs = []
    for row, i in enumerate(a):
        distance = np.sqrt(((sig_b - sig_a[row]) ** 2).sum(axis=1) / dim)
        pairs.extend(
            (int(i), int(b[k]), float(distance[k])) for k in np.flatnonzero(distance < threshold)
        )
    return pairs


def unlabelled_gaps(
    intervals: list[LabelInterval],
    track_times: Mapping[int, ArrayLike],
    min_gap_s: float = GAP_WARNING_S,
    max_step_s: float = 0.5,
) -> list[tuple[int, float, float]]:
    """(track, start, end) stretches where a track is seen but has no label."""
    gaps = []
    for track, times in sorted(track_times.items()):
        times = np.sort(np.asarray(times, dtype=float))
        covered = np.zeros(len(times), bool)
        for iv in intervals:
            if iv.track_id is None or iv.track_id == track:
                covered |= (times >= iv.start) & (times < iv.end)
        start = None
        for k, t in enumerate(times):
            broken = k > 0 and t - times[k - 1] > max_step_s
            if start is not None and (covered[k] or broken):
                end = times[k - 1]
                if end - start >= min_gap_s:
                    gaps.append((track, float(start), float(end)))
                start = None
            if start is None and not covered[k]:
                start = t
        if start is not None and times[-1] - start >= min_gap_s:
            gaps.append((track, float(start), float(times[-1])))
    return gaps


def report(dataset: SequenceDataset) -> DatasetReport:
    names = dataset.class_names
    counts = Counter(dataset.labels.tolist())
    classes = {name: counts.get(i, 0) for i, name in enumerate(names)}
    lengths = np.array([len(s) for s in dataset.sequences])
    missing = [missing_mask(s) for s in dataset.sequences]
    all_missing = np.concatenate(missing) if missing else np.zeros((0, dataset.layout.num_joints))
    splits = {}
    if dataset.split is not None:
        for split in sorted(set(dataset.split.tolist())):
            in_split = Counter(dataset.labels[dataset.split == split].tolist())
            splits[split] = {name: in_split.get(i, 0) for i, name in enumerate(names)}
    present = [c for c in classes.values() if c]
    rep = DatasetReport(
        clips=len(dataset),
        classes=classes,
        subjects={str(k): v for k, v in sorted(Counter(dataset.subjects.tolist()).items())},
        views=dict(sorted(Counter(dataset.views.tolist()).items()))
        if dataset.views is not None
        else {},
        splits=splits,
        frames={
            "min": int(lengths.min()),
            "median": float(np.median(lengths)),
            "max": int(lengths.max()),
        }
        if len(lengths)
        else {},
        missing_rate=float(all_missing.mean()) if all_missing.size else 0.0,
        missing_per_joint={
            j: float(all_missing[:, k].mean()) if len(all_missing) else 0.0
            for k, j in enumerate(dataset.layout.joints)
        },
        imbalance=float(max(present) / min(present)) if present else 0.0,
        duplicates=[],
    )
    if dataset.split is not None:
        train = np.flatnonzero(dataset.split != "test")
        test = np.flatnonzero(dataset.split == "test")
        rep.duplicates = near_duplicates(dataset, train, test)
    _judge(rep, dataset, missing)
    return rep


def _judge(rep: DatasetReport, dataset: SequenceDataset, missing: list[np.ndarray]) -> None:
    present = [name for name, n in rep.classes.items() if n]
    if len(present) < 2:
        rep.problems.append(f"{len(present)} class(es) with clips; a classifier needs two")
    empty = [name for name, n in rep.classes.items() if not n]
    if empty:
        rep.warnings.append(f"classes without clips: {', '.join(empty)}")
    unusable = [i for i, m in enumerate(missing) if m.all()]
    if unusable:
        (rep.problems if len(unusable) == len(missing) else rep.warnings).append(
            f"{len(unusable)} clip(s) have no joint in any frame: {unusable[:10]}"
        )
    short = [i for i, s in enumerate(dataset.sequences) if len(s) < 2]
    if short:
        rep.problems.append(f"{len(short)} clip(s) shorter than 2 frames: {short[:10]}")
    if rep.splits:
        train = Counter(dataset.labels[dataset.split != "test"].tolist())
        lacking = [
            name
            for i, name in enumerate(dataset.class_names)
            if rep.classes[name] and not train.get(i)
        ]
        if lacking:
            rep.problems.append(f"classes only in the test split: {', '.join(lacking)}")
    if rep.imbalance > IMBALANCE_WARNING:
        rep.warnings.append(f"class imbalance {rep.imbalance:.1f}x (largest / smallest class)")
    if rep.missing_rate > MISSING_WARNING:
        rep.warnings.append(f"{rep.missing_rate:.0%} of joints missing")
    if rep.duplicates:
        rep.warnings.append(
            f"{len(rep.duplicates)} near-duplicate train/test pair(s), e.g. "
            f"clips {rep.duplicates[0][0]} and {rep.duplicates[0][1]}"
        )


def add_label_findings(
    rep: DatasetReport, intervals: list[LabelInterval], track_times: Mapping[int, ArrayLike]
) -> list[tuple[int, float, float]]:
    """Unlabelled gaps of a labelled recording, as warnings (overlaps never load)."""
    gaps = unlabelled_gaps(intervals, track_times)
    if gaps:
        total = sum(end - start for _, start, end in gaps)
        track, start, end = gaps[0]
        rep.warnings.append(
            f"{len(gaps)} unlabelled stretch(es) of visible people, "
            f"{total:.1f} s in all; first: track {track} {start:.2f}-{end:.2f}"
        )
    return gaps


def write_summary_png(rep: DatasetReport, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    names = list(rep.classes)
    ax = axes[0, 0]
    if rep.splits:
        bottom = np.zeros(len(names))
        for split, counts in rep.splits.items():
            values = np.array([counts[n] for n in names])
            ax.barh(names, values, left=bottom, label=split)
            bottom += values
        ax.legend(fontsize=8)
    else:
        ax.barh(names, [rep.classes[n] for n in names])
    ax.set_title(f"clips per class ({rep.clips} clips, imbalance {rep.imbalance:.1f}x)")
    ax.tick_params(axis="y", labelsize=7)
    ax = axes[0, 1]
    ax.bar(list(rep.subjects), list(rep.subjects.values()))
    ax.set_title("clips per subject")
    ax = axes[1, 0]
    joints = list(rep.missing_per_joint)
    ax.bar(range(len(joints)), list(rep.missing_per_joint.values()))
    ax.set_xticks(range(len(joints)), joints, rotation=90, fontsize=6)
    ax.set_ylim(0, 1)
    ax.set_title(f"missing joints ({rep.missing_rate:.1%} overall)")
    ax = axes[1, 1]
    ax.axis("off")
    lines = [
        f"frames per clip: {rep.frames}",
        f"views: {rep.views or '-'}",
        f"near-duplicate train/test pairs: {len(rep.duplicates)}",
    ]
    lines += [f"PROBLEM: {p}" for p in rep.problems] + [f"warning: {w}" for w in rep.warnings]
    ax.text(0, 1, "\n".join(line[:90] for line in lines), va="top", fontsize=8, family="monospace")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
