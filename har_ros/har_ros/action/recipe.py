"""Training settings that follow the data: what ``auto`` resolves to for one dataset.

Chosen on the generalisation protocols (``har bench models``), not on one
dataset: a recipe for 30 clips or 3,000, in a known or a custom layout.

- epochs: enough optimiser steps for a small set to converge (an epoch of
  100 clips is 3 steps), without making a large set train for ever;
- validation hold-out: only when every class can spare enough clips for the
  score to mean something; below that all clips train and the last epoch
  (the end of the one-cycle schedule) is kept;
- mirroring: a left/right flip keeps the class unless a class is named by its
  side ("right arm swipe to the left", "clockwise"), so it is on unless one is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from .dataset import SequenceDataset

TARGET_STEPS = 3000  # optimiser steps the schedule aims at
MIN_EPOCHS, MAX_EPOCHS = 60, 400
HOLDOUT_MIN_PER_CLASS = 40  # clips in the smallest class before a validation hold-out
HOLDOUT_FRACTION = 0.15
_SIDED = re.compile(
    r"\b(left|right|clockwise|counter[ -]?clockwise|anticlockwise)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Resolved:
    """The settings ``auto`` became for this dataset, and why (kept in the checkpoint)."""

    epochs: int
    val_fraction: float
    mirror: str  # "on" or "off"
    reasons: tuple[str, ...]


def sided_classes(class_names: list[str]) -> list[str]:
    """Classes whose name says a side or a turning sense: mirroring would change them."""
    return [c for c in class_names if _SIDED.search(c.replace("_", " "))]


def auto_epochs(train_clips: int, batch_size: int) -> int:
    steps_per_epoch = max(1, int(np.ceil(train_clips / batch_size)))
    return int(np.clip(round(TARGET_STEPS / steps_per_epoch), MIN_EPOCHS, MAX_EPOCHS))


def resolve(
    dataset: SequenceDataset,
    epochs: int | None,
    val_fraction: float | None,
    mirror: str,
    batch_size: int,
) -> Resolved:
    """``None`` / ``"auto"`` settings for ``dataset``; explicit ones are kept as given.

    The values are checked before (TrainConfig.validate).
    """
    reasons = []
    has_val_rows = dataset.split is not None and bool(np.any(dataset.split == "val"))
    smallest = int(np.bincount(dataset.labels).min()) if len(dataset) else 0
    if val_fraction is None:
        if has_val_rows:
            val_fraction = HOLDOUT_FRACTION  # unused: the "val" rows are the hold-out
            reasons.append("validation: the dataset's own val rows")
        elif smallest >= HOLDOUT_MIN_PER_CLASS:
            val_fraction = HOLDOUT_FRACTION
            reasons.append(
                f"validation: {HOLDOUT_FRACTION:.0%} per class held out "
                f"(smallest class {smallest} clips)"
            )
        else:
            val_fraction = 0.0
            reasons.append(
                f"validation: none, the smallest class has {smallest} clips "
                f"(< {HOLDOUT_MIN_PER_CLASS}); the last epoch is kept"
            )
    if epochs is None:
        train_clips = (
            len(dataset) if val_fraction == 0 else round(len(dataset) * (1 - val_fraction))
        )
        epochs = auto_epochs(train_clips, batch_size)
        reasons.append(
            f"epochs: {epochs} (about {TARGET_STEPS} steps of {batch_size} for {train_clips} clips)"
        )
    if mirror == "auto":
        sided = sided_classes(dataset.class_names)
        mirror = "off" if sided else "on"
        reasons.append(
            f"mirror: off, classes named by side ({sided[0]!r}...)"
            if sided
            else "mirror: on, no class is named by its side"
        )
    return Resolved(int(epochs), float(val_fraction), mirror, tuple(reasons))


def apply(config, resolved: Resolved):
    """The config with its ``auto`` fields replaced by what they resolved to."""
    return replace(
        config, epochs=resolved.epochs, val_fraction=resolved.val_fraction, mirror=resolved.mirror
    )
