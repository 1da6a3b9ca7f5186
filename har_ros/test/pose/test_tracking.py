"""Tracker: ids stay on people who cross, survive dropouts, are never reused.

Its limits are times, whatever the frame rate.
"""

import numpy as np

from har_ros.pose.tracking import Tracker, TrackerConfig
from har_ros.skeleton.types import Person

DT = 0.1  # s between frames: 10 fps keeps the numbers round


def person_at(x: float, y: float = 200.0, seed: int = 0) -> Person:
    rng = np.random.default_rng(seed)
    offsets = rng.uniform(-30, 30, (17, 2))
    kp = np.column_stack([x + offsets[:, 0], y + offsets[:, 1], np.full(17, 0.9)])
    return Person(
        keypoints=kp.astype(np.float32),
        layout="coco17",
        score=0.9,
        bbox=(x - 40, y - 120, x + 40, y + 120),
    )


def test_two_people_crossing_keep_their_ids():
    tracker = Tracker(TrackerConfig(min_hits=2, max_miss_time=0.3))
    history = {0: [], 1: []}
    for frame in range(60):
        a = person_at(100 + 8 * frame, seed=1)  # walks right
        b = person_at(580 - 8 * frame, seed=2)  # walks left; they cross at frame 30
        tracker.update([a, b], frame * DT)
        history[0].append(a.track_id)
        history[1].append(b.track_id)
    ids_a, ids_b = set(history[0][1:]), set(history[1][1:])
    assert len(ids_a) == 1 and len(ids_b) == 1 and ids_a != ids_b
    assert -1 not in ids_a | ids_b
    assert history[0][0] == -1  # not confirmed on its first frame


def test_a_three_frame_dropout_keeps_the_id():
    tracker = Tracker(TrackerConfig(min_hits=2, max_miss_time=0.5))
    ids = []
    for frame in range(20):
        if 8 <= frame < 11:
            tracker.update([], frame * DT)
            continue
        p = person_at(100 + 5 * frame)
        tracker.update([p], frame * DT)
        ids.append(p.track_id)
    assert set(ids[1:]) == {ids[1]}


def test_ids_are_not_reused_after_a_track_dies():
    tracker = Tracker(TrackerConfig(min_hits=1, max_miss_time=0.0))
    first = tracker.update([person_at(100)], 0.0)[0].track_id
    tracker.update([], DT)
    second = tracker.update([person_at(500)], 2 * DT)[0].track_id
    assert second != first


def test_far_jump_is_gated_into_a_new_track():
    tracker = Tracker(TrackerConfig(min_hits=1))
    a = tracker.update([person_at(100)], 0.0)[0].track_id
    b = tracker.update([person_at(600)], DT)[0].track_id
    assert a != b


def test_a_missed_person_is_coasted_at_the_predicted_place_for_a_bounded_time():
    import pytest

    tracker = Tracker(TrackerConfig(min_hits=2, max_miss_time=1.0, coast_time=0.3))
    for frame in range(5):
        tracker.update([person_at(100 + 10 * frame)], frame * DT)
    out = [tracker.update([], frame * DT) for frame in range(5, 10)]
    assert [len(people) for people in out] == [1, 1, 1, 0, 0]
    first = out[0][0]
    assert first.coasted and first.track_id == 1 and first.score == pytest.approx(0.45)
    assert first.bbox[0] == pytest.approx(100 + 10 * 5 - 40, abs=2)  # moved on by its velocity
    back = person_at(100 + 10 * 10)
    tracker.update([back], 10 * DT)
    assert back.track_id == 1 and not back.coasted  # the id survived the gap


def test_coasting_never_duplicates_a_person_who_is_detected():
    tracker = Tracker(TrackerConfig(min_hits=1, max_miss_time=1.0, coast_time=0.5, max_cost=0.3))
    tracker.update([person_at(100)], 0.0)
    # the same place, joints far off: the cost gate refuses the match, a new track starts,
    # and the old one is not coasted on top of the person detected there
    moved = person_at(110, seed=3)
    moved.keypoints[:, :2] += 200
    out = tracker.update([moved], DT)
    assert len(out) == 1 and not out[0].coasted and out[0].track_id == 2


def test_coast_time_must_not_outlive_the_track():
    import pytest

    with pytest.raises(ValueError, match="coast_time"):
        TrackerConfig(max_miss_time=0.2, coast_time=0.3).validate()


def test_predicted_frames_move_everyone_shown_and_are_no_misses():
    tracker = Tracker(TrackerConfig(min_hits=2, max_miss_time=0.4, coast_time=0.4))
    for frame in range(4):
        tracker.update([person_at(100 + 10 * frame)], frame * DT)
    shown = tracker.update([person_at(140)], 4 * DT)[0]
    predicted = tracker.predict(5 * DT)
    assert [p.track_id for p in predicted] == [shown.track_id]
    assert predicted[0].coasted
    centre = (predicted[0].bbox[0] + predicted[0].bbox[2]) / 2
    assert abs(centre - 150) < 1.0, "moved by one frame of its 100 px/s velocity"
    # a detection after two predicted frames is assigned to the moved track
    tracker.predict(6 * DT)
    assert tracker.update([person_at(170)], 7 * DT)[0].track_id == shown.track_id
    # the limits are times: shown up to 0.4 s after the last detection, then gone
    for frame in range(8, 12):
        assert tracker.predict(frame * DT)
    assert tracker.predict(12 * DT) == [] and tracker.tracks == []


def test_prediction_keeps_new_people_and_skips_those_not_shown():
    tracker = Tracker(TrackerConfig(min_hits=2, max_miss_time=1.0, coast_time=0.15))
    tracker.update([person_at(100, seed=1), person_at(500, seed=2)], 0.0)
    assert len(tracker.predict(DT)) == 2, "unconfirmed people (id -1) do not vanish"
    confirmed = tracker.update([person_at(100, seed=1), person_at(500, seed=2)], 2 * DT)
    assert all(p.track_id > 0 for p in confirmed)
    for frame in (3, 4):  # the second is missed twice: past its coast time
        tracker.update([person_at(100, seed=1)], frame * DT)
    assert [p.track_id for p in tracker.predict(5 * DT)] == [confirmed[0].track_id]


def test_a_stamp_jumping_far_back_forgets_every_track_but_not_the_ids():
    tracker = Tracker(TrackerConfig(min_hits=1, max_miss_time=0.5, coast_time=0.3))
    first = tracker.update([person_at(100)], 100.0)[0].track_id
    assert tracker.predict(100.1)
    assert tracker.predict(1.0) == []  # a replay looped: nobody from "the future" lingers
    again = tracker.update([person_at(100)], 1.1)[0].track_id
    assert again > first
