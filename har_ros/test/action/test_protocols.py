"""Generalisation protocols: subsets, the custom layout, crops, the unseen fridge view."""

import numpy as np
import pytest

from har_ros.action.protocols import (
    PUPPET15,
    build_protocol,
    crop_clips,
    per_class_fraction,
    to_puppet15,
)
from har_ros.action.synth import make_dataset
from har_ros.skeleton.layouts import UTD_KINECT20


def _utd_like(clips_per_class: int = 8):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), clips_per_class)
    from har_ros.action.dataset import SequenceDataset

    sequences = [
        rng.normal(size=(int(rng.integers(30, 90)), 20, 3)).astype(np.float32) for _ in labels
    ]
    return SequenceDataset(sequences, labels, ["a", "b", "c"], np.zeros(len(labels)), UTD_KINECT20)


def test_a_fraction_keeps_every_class_and_follows_the_seed():
    data = _utd_like(8)
    quarter = per_class_fraction(data, 0.25, seed=0)
    assert np.bincount(quarter.labels).tolist() == [2, 2, 2]
    assert per_class_fraction(data, 0.01, seed=0).labels.tolist() == [0, 1, 2]  # one each
    other = per_class_fraction(data, 0.25, seed=1)
    assert [len(s) for s in quarter.sequences] != [len(s) for s in other.sequences]


def test_the_custom_layout_keeps_the_joints_it_names():
    data = _utd_like(2)
    puppet = to_puppet15(data)
    assert puppet.layout == PUPPET15 and puppet.sequences[0].shape[1] == 15
    right_wrist = UTD_KINECT20.index("right_wrist")
    np.testing.assert_array_equal(
        puppet.sequences[0][:, PUPPET15.index("RWrist")], data.sequences[0][:, right_wrist]
    )
    assert PUPPET15.hip_joints and PUPPET15.shoulder_joints  # found by their own names
    assert sorted(PUPPET15.mirror_permutation) == list(range(15))


def test_crops_are_15_to_40_frames_from_inside_the_clip_and_fixed():
    data = _utd_like(4)
    cropped = crop_clips(data, seed=0)
    for whole, part in zip(data.sequences, cropped.sequences, strict=True):
        assert 15 <= len(part) <= 40
        starts = [
            i
            for i in range(len(whole) - len(part) + 1)
            if np.array_equal(whole[i : i + len(part)], part)
        ]
        assert starts
    again = crop_clips(data, seed=0)
    assert all(
        np.array_equal(a, b) for a, b in zip(cropped.sequences, again.sequences, strict=True)
    )


def test_the_fridge_protocol_tests_on_a_view_and_people_never_trained_on():
    train, test = build_protocol("fridge_unseen_view", 0, None)
    assert "left_side" not in set(train.views) and set(test.views) == {"left_side"}
    assert not set(train.subjects) & set(test.subjects)
    full = make_dataset(subjects=12, repetitions=5, seed=0)
    assert len(train) + len(test) < len(full)


def test_unknown_protocols_and_a_missing_dataset_are_named():
    with pytest.raises(ValueError, match="unknown protocol"):
        build_protocol("imagenet", 0, None)
    with pytest.raises(ValueError, match="UTD-MHAD"):
        build_protocol("utd_25", 0, None)
