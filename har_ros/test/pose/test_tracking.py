"""Tracker: ids stay on people who cross, survive dropouts, are never reused."""

import numpy as np

from har_ros.pose.tracking import Tracker, TrackerConfig
from har_ros.skeleton.types import Person


def person_at(x: float, y: float = 200.0, seed: int = 0) -> Person:
    rng = np.random.default_rng(seed)
    offsets = rng.uniform(-30, 30, (17, 2))
    kp = np.column_stack([x + offsets[:, 0], y + offsets[:, 1], np.full(17, 0.9)])
    return Person(keypoints=kp.astype(np.float32), layout="coco17", score=0.9,
                  bbox=(x - 40, y - 120, x + 40, y + 120))


def test_two_people_crossing_keep_their_ids():
    tracker = Tracker(TrackerConfig(min_hits=2, max_misses=3))
    history = {0: [], 1: []}
    for frame in range(60):
        a = person_at(100 + 8 * frame, seed=1)  # walks right
        b = person_at(580 - 8 * frame, seed=2)  # walks left; they cross at frame 30
        tracker.update([a, b])
        history[0].append(a.track_id)
        history[1].append(b.track_id)
    ids_a, ids_b = set(history[0][1:]), set(history[1][1:])
    assert len(ids_a) == 1 and len(ids_b) == 1 and ids_a != ids_b
    assert -1 not in ids_a | ids_b
    assert history[0][0] == -1  # not confirmed on its first frame


def test_a_three_frame_dropout_keeps_the_id():
    tracker = Tracker(TrackerConfig(min_hits=2, max_misses=5))
    ids = []
    for frame in range(20):
        if 8 <= frame < 11:
            tracker.update([])
            continue
        p = person_at(100 + 5 * frame)
        tracker.update([p])
        ids.append(p.track_id)
    assert set(ids[1:]) == {ids[1]}


def test_ids_are_not_reused_after_a_track_dies():
    tracker = Tracker(TrackerConfig(min_hits=1, max_misses=0))
    first = tracker.update([person_at(100)])[0].track_id
    tracker.update([])
    second = tracker.update([person_at(500)])[0].track_id
    assert second != first


def test_far_jump_is_gated_into_a_new_track():
    tracker = Tracker(TrackerConfig(min_hits=1))
    a = tracker.update([person_at(100)])[0].track_id
    b = tracker.update([person_at(600)])[0].track_id
    assert a != b
