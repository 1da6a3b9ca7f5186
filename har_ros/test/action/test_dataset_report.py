import numpy as np

from har_ros.action.dataset import SequenceDataset
from har_ros.action.dataset_report import (
    clip_signature,
    missing_mask,
    near_duplicates,
    report,
    unlabelled_gaps,
)
from har_ros.action.labels import LabelInterval
from har_ros.skeleton.layouts import get_layout

LAYOUT = get_layout("coco17")


def _clip(rng, frames=20, missing=0.0):
    clip = np.concatenate([rng.normal(size=(frames, 17, 2)), np.ones((frames, 17, 1))], axis=2)
    clip[..., 2][rng.random((frames, 17)) < missing] = 0.0
    return clip.astype(np.float32)


def _dataset(clips, labels, names=("a", "b"), split=None):
    return SequenceDataset(clips, labels, list(names), list(range(len(clips))), LAYOUT, split=split)


def test_counts_missing_rate_and_imbalance():
    rng = np.random.default_rng(0)
    clips = [_clip(rng) for _ in range(5)]
    clips[0][:10, :, 2] = 0.0  # half of one clip's frames missing: 10 * 17 joints
    clips[1][0, 0, 0] = np.nan  # a non-finite coordinate counts as missing too
    rep = report(_dataset(clips, [0, 0, 0, 0, 1]))
    assert rep.classes == {"a": 4, "b": 1}
    assert rep.imbalance == 4.0 and any("imbalance" in w for w in rep.warnings)
    assert rep.missing_rate == (10 * 17 + 1) / (5 * 20 * 17)
    assert rep.missing_per_joint["nose"] == (10 + 1) / 100
    assert rep.frames == {"min": 20, "median": 20.0, "max": 20}
    assert not rep.problems


def test_missing_mask_treats_zero_scores_and_nan_as_missing():
    clip = np.ones((1, 3, 3), np.float32)
    clip[0, 1, 2] = 0.0
    clip[0, 2, 1] = np.inf
    assert missing_mask(clip).tolist() == [[False, True, True]]


def test_a_copy_across_the_split_is_a_near_duplicate_and_a_new_clip_is_not():
    rng = np.random.default_rng(1)
    train = [_clip(rng) for _ in range(3)]
    copy = train[1] + np.float32(0.002) * rng.normal(size=train[1].shape).astype(np.float32)
    copy[..., 2] = 1.0
    clips = [*train, copy, _clip(rng)]
    data = _dataset(clips, [0, 1, 0, 1, 0], split=["train"] * 3 + ["test"] * 2)
    pairs = near_duplicates(data, np.arange(3), np.arange(3, 5))
    assert [(i, j) for i, j, _ in pairs] == [(1, 3)]
    rep = report(data)
    assert [(i, j) for i, j, _ in rep.duplicates] == [(1, 3)]
    assert any("near-duplicate" in w for w in rep.warnings)


def test_signature_ignores_position_and_scale():
    rng = np.random.default_rng(2)
    clip = _clip(rng)
    moved = clip.copy()
    moved[..., :2] = moved[..., :2] * 3.0 + 100.0
    assert np.allclose(clip_signature(clip), clip_signature(moved), atol=1e-5)


def test_datasets_that_cannot_train_name_the_reason():
    rng = np.random.default_rng(3)
    one_class = report(_dataset([_clip(rng), _clip(rng)], [0, 0]))
    assert any("a classifier needs two" in p for p in one_class.problems)
    assert any("classes without clips: b" in w for w in one_class.warnings)
    empty = _clip(rng)
    empty[..., 2] = 0
    blind = report(_dataset([empty, empty.copy()], [0, 1]))
    assert any("no joint in any frame" in p for p in blind.problems)
    only_test = report(_dataset([_clip(rng), _clip(rng)], [0, 1], split=["train", "test"]))
    assert any("classes only in the test split: b" in p for p in only_test.problems)
    short = report(_dataset([_clip(rng, frames=1), _clip(rng)], [0, 1]))
    assert any("shorter than 2 frames" in p for p in short.problems)


def test_unlabelled_gaps_of_visible_tracks():
    times = np.arange(100) / 10
    labels = [LabelInterval(1, 0.0, 4.0, "a"), LabelInterval(None, 8.0, 8.5, "b")]
    gaps = unlabelled_gaps(labels, {1: times, 2: times[times >= 8.5]})
    assert [(t, round(s, 1), round(e, 1)) for t, s, e in gaps] == [
        (1, 4.0, 7.9),
        (1, 8.5, 9.9),
        (2, 8.5, 9.9),
    ]
    # a track that leaves the view is no gap while it is away
    away = np.concatenate([np.arange(0, 2, 0.1), np.arange(6, 6.5, 0.1)])
    assert unlabelled_gaps([LabelInterval(1, 0.0, 2.0, "a")], {1: away}) == []
