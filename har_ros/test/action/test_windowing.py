"""Per-person windows: rates, gaps, expiry, layouts, bad frames, bounded memory."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from har_ros.action.windowing import MAX_LAYOUT_KEYS, WindowBuffers, WindowConfig

NS = 1_000_000_000


def kp(value: float = 1.0, joints: int = 17) -> np.ndarray:
    out = np.full((joints, 3), value, np.float32)
    out[:, 2] = 0.9
    return out


def feed(buffers, track, stamps_s, values=None):
    windows = []
    for i, t in enumerate(stamps_s):
        buffers.begin_frame(int(t * NS))
        buffers.add(track, int(t * NS), kp(values[i] if values is not None else 1.0), "coco17")
        windows += buffers.ready()
    return windows


def test_first_window_after_one_span_then_every_stride():
    buffers = WindowBuffers(WindowConfig(window=10, stride=3, rate_hz=10.0))
    windows = feed(buffers, 1, np.arange(0, 3.0, 0.1))
    assert windows[0].end_ns == round(0.9 * NS) and windows[0].start_ns == 0
    ends = [w.end_ns / NS for w in windows]
    np.testing.assert_allclose(np.diff(ends), 0.3, atol=1e-6)
    assert windows[0].keypoints.shape == (10, 17, 3)


def test_camera_rate_and_jitter_are_resampled_to_the_model_rate():
    cfg = WindowConfig(window=10, stride=5, rate_hz=10.0)
    rng = np.random.default_rng(0)
    fast = np.cumsum(rng.uniform(0.01, 0.03, 200))  # ~50 Hz with jitter
    values = fast * 100.0  # x grows linearly in time
    windows = feed(WindowBuffers(cfg), 1, fast, values)
    w = windows[-1]
    times = w.end_ns / NS - (9 - np.arange(10)) / 10.0
    np.testing.assert_allclose(w.keypoints[:, 0, 0], times * 100.0, rtol=1e-4)


def test_gap_resets_and_track_expires():
    buffers = WindowBuffers(
        WindowConfig(window=5, stride=1, rate_hz=10.0, max_gap=0.5, track_timeout=2.0)
    )
    feed(buffers, 1, np.arange(0, 1.0, 0.1))
    assert feed(buffers, 1, [2.0]) == []  # 1 s gap: restarts, no full window
    assert buffers.drops["gap_reset"] == 1
    buffers.begin_frame(int(5 * NS))
    assert 1 not in buffers.people


def test_layout_conversion_and_rejection():
    buffers = WindowBuffers(WindowConfig(layout="coco17"))
    assert buffers.add(1, NS, kp(joints=18), "openpose18")
    assert not buffers.add(2, NS, kp(joints=5), "my_hand_layout")
    assert buffers.drops["layout_my_hand_layout"] == 1
    assert not buffers.add(3, NS, kp(joints=18), "coco17")  # wrong joint count for the layout
    assert buffers.drops["bad_shape"] == 1
    assert buffers.take_rejected_layout() == "my_hand_layout"
    assert buffers.take_rejected_layout() is None  # told once


def test_ever_new_layout_names_do_not_grow_the_counters_without_bound():
    buffers = WindowBuffers(WindowConfig(layout="coco17"))
    for i in range(100):
        assert not buffers.add(1, NS + i, kp(joints=5), f"junk_{i}")
    layout_keys = [k for k in buffers.drops if k.startswith("layout_")]
    assert len(layout_keys) == MAX_LAYOUT_KEYS and "layout_other" in layout_keys
    assert sum(buffers.drops[k] for k in layout_keys) == 100
    assert buffers.drops["layout_junk_0"] == 1 and buffers.take_rejected_layout() == "junk_99"


def test_bad_frames_are_counted_not_raised():
    buffers = WindowBuffers(WindowConfig())
    nan = kp()
    nan[:, 0] = np.nan
    assert not buffers.add(1, NS, nan, "coco17")  # every joint unusable
    assert buffers.add(1, 2 * NS, kp(), "coco17")
    assert not buffers.add(1, 2 * NS, kp(), "coco17")  # repeated stamp
    assert not buffers.add(1, NS, kp(), "coco17")  # out of order
    negative = kp()
    negative[:, 2] = -1.0
    negative[0, 2] = 0.5
    assert buffers.add(1, 3 * NS, negative, "coco17")
    assert buffers.people[1].live()[1][-1][1, 2] == 0.0  # clipped
    assert not buffers.add(-1, 4 * NS, kp(), "coco17")
    assert buffers.drops["out_of_order"] == 2 and buffers.drops["untracked"] == 1


def test_time_jump_back_resets_everyone():
    buffers = WindowBuffers(WindowConfig(window=5, rate_hz=10.0))
    feed(buffers, 1, np.arange(10, 11, 0.1))
    buffers.begin_frame(int(1 * NS))
    assert buffers.people == {} and buffers.drops["time_jump_back_reset"] == 1


def test_too_few_joints_are_not_classified():
    buffers = WindowBuffers(WindowConfig(window=5, stride=1, rate_hz=10.0, min_valid_joints=0.5))
    sparse = kp()
    sparse[3:, 2] = 0.0
    for i in range(10):
        buffers.begin_frame(int(i * 0.1 * NS))
        buffers.add(1, int(i * 0.1 * NS), sparse, "coco17")
        assert buffers.ready() == []
    assert buffers.drops["too_few_joints"] > 0


def test_memory_stays_bounded_with_1000_people_coming_and_going():
    cfg = WindowConfig(window=8, stride=4, rate_hz=10.0, track_timeout=1.0)
    buffers = WindowBuffers(cfg)
    t = 0.0
    for person in range(1000):
        for _ in range(12):
            t += 0.1
            buffers.begin_frame(int(t * NS))
            for other in range(max(0, person - 4), person + 1):  # five people at a time
                buffers.add(other, int(t * NS), kp(), "coco17")
            buffers.ready()
        assert len(buffers.people) <= 16
        assert all(len(p.stamps) <= buffers.max_frames for p in buffers.people.values())


frame_events = st.lists(
    st.tuples(
        st.integers(-3, 3),  # track id (duplicates across frames and negatives included)
        st.integers(-2 * NS, 4 * NS),  # stamp: jumps back, repeats, gaps
        st.sampled_from([17, 18, 5]),  # joints
        st.sampled_from(["coco17", "openpose18", "unknown_rig"]),
        st.sampled_from([0.0, np.nan, np.inf, -1.0, 0.5, 1e30]),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(frame_events)
def test_any_stream_gives_well_formed_windows_or_counted_drops(events):
    config = WindowConfig(window=4, stride=1, rate_hz=10.0, max_gap=0.5, track_timeout=1.0)
    buffers = WindowBuffers(config)
    for track, stamp, joints, layout, value in events:
        buffers.begin_frame(stamp)
        points = kp(joints=joints)
        points[0] = value
        buffers.add(track, stamp, points, layout)
        for window in buffers.ready():
            assert window.keypoints.shape == (4, 17, 3)
            assert window.start_ns <= window.end_ns
            assert (
                np.isfinite(window.keypoints[..., :2]).all()
                or (window.keypoints[..., 2] <= 0).any()
            )
    assert all(count >= 0 for count in buffers.drops.values())
    assert len(buffers.people) <= 7


def test_a_skeleton_that_does_not_fit_a_custom_layout_is_dropped():
    """Found and fixed: a custom layout's joint count came from its first skeleton.

    0 joints raised ValueError; 5 joints made a 5-joint track that broke the model.
    """
    buffers = WindowBuffers(WindowConfig(window=4, stride=1, rate_hz=10.0, layout="arm3", joints=3))
    assert not buffers.add(1, NS, kp(joints=0), "arm3")
    assert not buffers.add(2, NS, kp(joints=5), "arm3")
    assert buffers.drops["bad_shape"] == 2 and not buffers.people
    windows = []
    for i in range(6):
        buffers.begin_frame(i * NS // 10)
        assert buffers.add(3, i * NS // 10, kp(joints=3), "arm3")
        assert not buffers.add(4, i * NS // 10, kp(joints=5), "arm3")
        windows += buffers.ready()
    assert windows and all(w.keypoints.shape == (4, 3, 3) for w in windows)
    assert set(buffers.people) == {3} and buffers.drops["bad_shape"] == 8


def test_a_3d_model_buffers_x_y_z_and_score_and_refuses_2d():
    buffers = WindowBuffers(WindowConfig(window=4, stride=1, rate_hz=10.0, channels=4))
    joints3d = np.concatenate([np.ones((17, 3)), np.full((17, 1), 0.9)], axis=1)
    for i in range(6):
        assert buffers.add(1, i * 100_000_000, joints3d, "coco17")
    assert not buffers.add(1, 700_000_000, np.ones((17, 3)), "coco17")
    assert buffers.drops["bad_shape"] == 1
    (window,) = buffers.ready()
    assert window.keypoints.shape == (4, 17, 4)
    with pytest.raises(ValueError, match="channels"):
        WindowConfig(channels=5).validate()
