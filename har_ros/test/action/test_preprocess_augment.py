"""Normalisation, windows, features and augmentation."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from har_ros.action.augment import Augmentation, augment, mirror, view_yaw
from har_ros.action.preprocess import (
    batch_window_features,
    nanmedian,
    normalise,
    resample,
    window_features,
)
from har_ros.action.train import TrainConfig
from har_ros.skeleton.layouts import COCO17


def standing(t=20, offset=(300.0, 100.0), scale=2.0):
    rng = np.random.default_rng(1)
    base = rng.uniform(-40, 40, (17, 2))
    base[[5, 6], 1] = -50  # shoulders
    base[[11, 12], 1] = 50  # hips
    coords = offset + scale * np.repeat(base[None], t, 0)
    return np.concatenate([coords, np.ones((t, 17, 1))], axis=-1).astype(np.float32)


def test_normalise_removes_position_and_size():
    a, mask_a = normalise(standing(offset=(100, 50), scale=1.0), COCO17)
    b, _ = normalise(standing(offset=(500, 300), scale=3.0), COCO17)
    np.testing.assert_allclose(a, b, atol=1e-5)
    hips = a[:, [11, 12]].mean(axis=1)
    np.testing.assert_allclose(hips, 0.0, atol=1e-5)
    torso = np.linalg.norm(a[:, [5, 6]].mean(1) - hips, axis=-1)
    np.testing.assert_allclose(torso, 1.0, atol=1e-5)
    assert mask_a.min() == 1.0


def test_missing_joints_are_masked_and_zero():
    seq = standing()
    seq[:, 3] = 0.0
    seq[2, 4, 0] = np.nan
    coords, mask = normalise(seq, COCO17)
    assert np.all(mask[:, 3] == 0) and mask[2, 4] == 0 and np.all(coords[:, 3] == 0)


def test_windows_have_the_model_shape():
    norm = TrainConfig(window=32).normalisation()
    x = window_features(standing(t=75), COCO17, norm)
    assert x.shape == (norm.channels(2), 32, 17)
    assert resample(np.arange(5.0), 9)[4] == 2.0


def test_mirror_swaps_sides_and_flips_x():
    seq = standing()
    m = mirror(seq, COCO17)
    assert m[0, COCO17.index("left_wrist"), 0] == -seq[0, COCO17.index("right_wrist"), 0]


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float32,
        st.tuples(st.integers(1, 40), st.just(17), st.just(3)),
        elements=st.one_of(st.floats(-1e4, 1e4, width=32), st.just(np.nan)),
    )
)
def test_fuzz_windows_are_finite_and_the_right_shape(seq):
    seq[..., 2] = np.abs(np.nan_to_num(seq[..., 2])) % 1.0
    x = window_features(seq, COCO17, TrainConfig(window=16).normalisation())
    assert x.shape == (7, 16, 17) and np.all(np.isfinite(x))


def test_a_view_turn_narrows_the_body_and_its_travel_but_keeps_heights():
    seq = standing(t=10)
    seq[..., 0] += np.arange(10)[:, None] * 5.0  # walking to the right
    seq[:, 3] = 0.0  # one joint never seen
    seen = seq[..., 2] > 0
    turned = view_yaw(seq, 80.0, np.random.default_rng(3))
    width = np.ptp(seq[0, seen[0], 0])
    factor = np.ptp(turned[0, seen[0], 0]) / width
    assert np.cos(np.radians(80.0)) <= factor < 1.0
    travel = turned[-1, seen[-1], 0].mean() - turned[0, seen[0], 0].mean()
    assert travel == pytest.approx(45.0 * factor, rel=1e-4)
    np.testing.assert_array_equal(turned[..., 1:], seq[..., 1:])
    assert np.all(turned[:, 3] == 0.0)


def test_augmentation_keeps_missing_joints_missing():
    rng = np.random.default_rng(0)
    seq = standing(t=30)
    seq[:, 0] = 0.0
    out = augment(seq, COCO17, Augmentation.default(noise=0.05), rng)
    assert out.shape[1:] == (17, 3) and np.all(out[:, 0, 2] == 0)


def test_sequence_centre_keeps_walking_visible():
    seq = standing(t=10)
    seq[..., 0] += np.arange(10)[:, None] * 20.0  # walks right 20 px per frame
    per_frame, _ = normalise(seq, COCO17, "hips")
    whole, _ = normalise(seq, COCO17, "hips_sequence")
    hips_frame = per_frame[:, [11, 12]].mean(axis=1)[:, 0]
    hips_whole = whole[:, [11, 12]].mean(axis=1)[:, 0]
    np.testing.assert_allclose(hips_frame, 0.0, atol=1e-5)
    assert np.all(np.diff(hips_whole) > 0) and abs(np.median(hips_whole)) < 1e-5


def test_motion_keeps_the_travel_that_per_frame_velocity_loses():
    seq = standing(t=16)
    seq[..., 0] += np.arange(16)[:, None] * 20.0  # walks right 20 px per frame, pose still
    norm = TrainConfig(window=16, features=("position", "velocity", "motion")).normalisation()
    x = window_features(seq, COCO17, norm)
    velocity, motion = x[2:4], x[4:6]
    np.testing.assert_allclose(velocity, 0.0, atol=1e-5)
    assert np.all(motion[0, 1:] > 0) and np.allclose(motion[1, 1:], 0.0, atol=1e-5)
    np.testing.assert_allclose(motion[0, 1:], motion[0, 1, 0], rtol=1e-4)  # steady pace
    streamed = batch_window_features(seq[None], COCO17, norm)[0]  # the node's path
    np.testing.assert_allclose(streamed, x, atol=1e-5)


def test_bone_motion_is_the_change_of_bones_where_both_frames_see_them():
    rng = np.random.default_rng(0)
    seq = standing(t=12)
    seq[..., :2] += rng.normal(0, 3, seq[..., :2].shape)
    seq[5, 7, 2] = 0  # left elbow missing in frame 5
    norm = TrainConfig(window=12, features=("bone", "bone_motion")).normalisation()
    x = window_features(seq, COCO17, norm)
    bones, turns = x[0:2], x[2:4]
    np.testing.assert_allclose(turns[:, 8:], np.diff(bones, axis=1)[:, 7:], atol=1e-5)
    assert np.all(turns[:, [5, 6], 7] == 0)  # the elbow's bone is unseen in frame 5


def test_unknown_or_repeated_features_are_refused():
    for bad in (("position", "speed"), ("bone", "bone"), ()):
        with pytest.raises(ValueError, match="features"):
            TrainConfig(features=bad).normalisation()


@settings(max_examples=200, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 9), st.integers(1, 3)),
        elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)),
    ),
    st.integers(0, 2),
)
def test_nanmedian_matches_numpy(values, axis):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy warns on all-NaN slices
        expected = np.nanmedian(values, axis=axis)
    np.testing.assert_allclose(nanmedian(values, axis=axis), expected, equal_nan=True)


def test_stream_windows_end_anywhere_in_a_clip_and_go_on_from_what_came_before():
    from har_ros.action.preprocess import stream_window, stride_windows

    norm = TrainConfig(window=16, sampling="crop", rate_hz=30.0).normalisation()
    clip = np.zeros((40, 17, 3), np.float32)
    clip[..., 0] = np.arange(40)[:, None] + 100.0  # x = frame number + 100
    clip[..., 2] = 1.0
    before = np.zeros((30, 17, 3), np.float32)
    before[..., 0], before[..., 2] = -50.0, 1.0
    rng = np.random.default_rng(0)
    ends = []
    for _ in range(400):
        w = stream_window(clip, 30.0, norm, rng, min_fill=0.25, before=before)
        assert w.shape == (16, 17, 3)
        ends.append(int(w[-1, 0, 0]) - 99)  # frames of the clip the window reaches
        inside = int((w[:, 0, 0] >= 100).sum())
        if inside < 16:  # the prefix is moved to where the clip starts
            np.testing.assert_allclose(w[: 16 - inside, 0, 0], 100.0)
    assert min(ends) == 4 and max(ends) == 40  # uniform from 25 % of a window to the end
    assert abs(np.mean(ends) - 22) < 1.5
    windows = stride_windows(clip, 30.0, norm, stride=5, min_fill=1.0)
    assert [int(w[-1, 0, 0]) - 99 for w in windows] == [20, 25, 30, 35, 40]
    early = stride_windows(clip, 30.0, norm, stride=5, min_fill=0.25)
    assert int(early[0][-1, 0, 0]) - 99 == 5 and np.all(early[0][:12, 0, 0] == 100.0)


def test_facing_the_camera_undoes_any_turn_about_the_vertical_and_needs_3d():
    from har_ros.action.preprocess import normalise_with_travel

    rng = np.random.default_rng(3)
    body = rng.uniform(-0.3, 0.3, (12, 17, 3)) + np.array([0.0, 0.0, 3.0])
    body[:, 11], body[:, 12] = [0.1, 0.0, 3.0], [-0.1, 0.0, 3.0]  # hips, turned away a little
    seq = np.concatenate([body, np.ones((12, 17, 1))], axis=-1).astype(np.float32)
    a = np.radians(125.0)
    turn = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    turned = seq.copy()
    turned[..., :3] = seq[..., :3] @ turn.T
    args = (COCO17, "hips", True, "torso", "face_camera")
    front, _, travel = normalise_with_travel(seq, *args)
    again, _, travel_again = normalise_with_travel(turned, *args)
    np.testing.assert_allclose(front, again, atol=1e-5)
    np.testing.assert_allclose(travel, travel_again, atol=1e-5)
    hips = front[:, 11] - front[:, 12]
    assert np.all(hips[:, 0] > 0) and np.allclose(hips.mean(0)[2], 0, atol=1e-5)  # left = +x
    hipless = turned.copy()
    hipless[:, [11, 12], -1] = 0.0  # a person whose hips are unseen, in the same batch
    batched, _, _ = normalise_with_travel(np.stack([turned, hipless]), *args)
    np.testing.assert_allclose(batched[0], again, atol=1e-5)  # each window turned on its own
    with pytest.raises(ValueError, match="needs 3D joints"):
        normalise_with_travel(standing(), COCO17, rotate="face_camera")
