import pytest

from har_ros.cell.stage import FusionStage

MS = 1_000_000


def test_an_instant_takes_the_cameras_within_the_tolerance_of_the_newest():
    stage = FusionStage(["a", "b", "c"], sync_tolerance=0.02)
    stage.add("a", 1000 * MS, "a1")
    stage.add("b", 1010 * MS, "b1")
    stage.add("c", 950 * MS, "c0")
    stamp, frames = stage.instant()
    assert stamp == 1010 * MS and frames == {"a": "a1", "b": "b1"}
    assert stage.instant() is None  # nothing new: no second step, no duplicate output
    assert not stage.add("b", 1005 * MS, "old")  # older than the kept frame: ignored
    stage.add("c", 1025 * MS, "c1")
    assert stage.instant() == (1025 * MS, {"b": "b1", "c": "c1"})


def test_time_offsets_shift_a_camera_onto_the_others():
    stage = FusionStage(["a", "b"], {"b": 0.1}, sync_tolerance=0.01)
    stage.add("a", 1100 * MS, "a")
    stage.add("b", 1000 * MS, "b")  # b's clock runs 100 ms behind
    assert stage.instant() == (1100 * MS, {"a": "a", "b": "b"})


def test_coverage_names_silent_and_never_seen_cameras():
    stage = FusionStage(["a", "b", "c"], camera_timeout=0.5)
    stage.add("a", 1000 * MS, "a")
    stage.add("b", 1400 * MS, "b")
    coverage = stage.coverage(1600 * MS)
    assert coverage.live == (False, True, False) and coverage.silent == ["a", "c"]
    assert coverage.age_s == pytest.approx((0.6, 0.2, -1.0))
    assert stage.coverage(1390 * MS).live[1]  # a stamp slightly ahead of the clock is live
