"""The auto recipe: epochs by size, a hold-out where it means something, mirroring."""

import numpy as np
import pytest

from har_ros.action.dataset import SequenceDataset
from har_ros.action.recipe import (
    HOLDOUT_MIN_PER_CLASS,
    MAX_EPOCHS,
    MIN_EPOCHS,
    auto_epochs,
    resolve,
    sided_classes,
)
from har_ros.action.synth import make_dataset
from har_ros.action.train import TrainConfig, train
from har_ros.skeleton.layouts import COCO17


def _clips(per_class: int, classes=("wave", "clap"), split=None) -> SequenceDataset:
    labels = np.repeat(np.arange(len(classes)), per_class)
    return SequenceDataset(
        [np.ones((20, 17, 3), np.float32)] * len(labels),
        labels,
        list(classes),
        np.zeros(len(labels)),
        COCO17,
        split=split,
    )


def test_small_sets_get_more_epochs_large_ones_fewer_within_bounds():
    assert auto_epochs(100, 32) > auto_epochs(400, 32) > auto_epochs(3000, 32)
    assert auto_epochs(10, 32) == MAX_EPOCHS and auto_epochs(100_000, 32) == MIN_EPOCHS
    assert auto_epochs(420, 32) == round(3000 / 14)


def test_a_hold_out_only_when_every_class_can_spare_it():
    small = resolve(_clips(HOLDOUT_MIN_PER_CLASS - 1), None, None, "auto", 32)
    assert small.val_fraction == 0.0 and "last epoch" in " ".join(small.reasons)
    large = resolve(_clips(HOLDOUT_MIN_PER_CLASS), None, None, "auto", 32)
    assert large.val_fraction == 0.15
    split = np.array(["train", "val"] * HOLDOUT_MIN_PER_CLASS)
    own = resolve(_clips(HOLDOUT_MIN_PER_CLASS, split=split), None, None, "auto", 32)
    assert "own val rows" in " ".join(own.reasons)


def test_explicit_settings_are_kept():
    given = resolve(_clips(5), 7, 0.3, "on", 32)
    assert (given.epochs, given.val_fraction, given.mirror) == (7, 0.3, "on")


@pytest.mark.parametrize(
    "names, sided",
    [
        (["right arm swipe to the left", "wave"], ["right arm swipe to the left"]),
        (["draw circle (clockwise)", "clap"], ["draw circle (clockwise)"]),
        (["turn_left", "opening_door"], ["turn_left"]),
        (["opening_door", "closing_door", "brightness"], []),
    ],
)
def test_classes_named_by_side_turn_mirroring_off(names, sided):
    assert sided_classes(names) == sided
    resolved = resolve(_clips(3, tuple(names)), None, None, "auto", 32)
    assert resolved.mirror == ("off" if sided else "on")


def test_training_with_defaults_records_what_auto_became():
    data = make_dataset(subjects=3, repetitions=2, seed=3, test_subjects=0, views=("front",))
    checkpoint, history = train(
        data, TrainConfig(window=16, threads=1, batch_size=8, epochs=2), progress=False
    )
    used = checkpoint.training["config"]
    assert used["epochs"] == 2 and used["val_fraction"] == 0.0 and used["mirror"] == "on"
    assert len(history["epoch"]) == 2 and checkpoint.training["best_epoch"] == 1  # the last
    assert any(r.startswith("mirror: on") for r in checkpoint.training["recipe"])
    with pytest.raises(ValueError, match="epochs"):
        train(data, TrainConfig(epochs=0), progress=False)
