import pytest

from har_ros.cell.stage import FusionStage

MS = 1_000_000


def make_stage(cameras, offsets_s=None, **limits):
    """A stage with these tests' limits (no wait unless a test sets one)."""
    base = dict(
        sync_tolerance=0.04,
        camera_timeout=0.5,
        max_future=0.5,
        sync_wait=0.0,
        max_clock_offset=0.25,
    )
    return FusionStage(cameras, offsets_s, **{**base, **limits})


def test_an_instant_takes_the_cameras_within_the_tolerance_of_the_newest():
    stage = make_stage(["a", "b", "c"], sync_tolerance=0.02)
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
    stage = make_stage(["a", "b"], {"b": 0.1}, sync_tolerance=0.01)
    stage.add("a", 1100 * MS, "a")
    stage.add("b", 1000 * MS, "b")  # b's clock runs 100 ms behind
    assert stage.instant() == (1100 * MS, {"a": "a", "b": "b"})


def fuse_all(stage: FusionStage, now_ns: int | None = None):
    """One step as person_fusion takes it: every camera of the instant fused."""
    instant = stage.instant(now_ns)
    for camera in instant[1] if instant else {}:
        stage.fused(camera)
    return instant


def test_coverage_names_silent_and_never_seen_cameras():
    stage = make_stage(["a", "b", "c"], camera_timeout=0.5, sync_tolerance=0.5)
    stage.add("a", 1000 * MS, "a")
    stage.add("b", 1400 * MS, "b")
    fuse_all(stage)
    coverage = stage.coverage(1600 * MS)
    assert coverage.live == (False, True, False) and coverage.silent == ["a", "c"]
    assert coverage.age_s == pytest.approx((0.6, 0.2, -1.0))
    assert coverage.reasons[0].startswith("silent: newest skeletons 0.60 s old")
    assert coverage.reasons[2] == "no skeletons received" and coverage.reasons[1] == ""
    assert stage.coverage(1390 * MS).live[1]  # a stamp slightly ahead of the clock is live


def test_a_camera_that_delivers_but_is_never_fused_is_not_live():
    """Found and fixed: a camera 90 ms behind was in no fused step yet read live."""
    stage = make_stage(["a", "b"], sync_tolerance=0.04, camera_timeout=0.5)
    fused_b = 0
    for k in range(60):  # 2 s at 30 fps; b's frames always 90 ms behind a's
        t = 1000 * MS + k * 33 * MS
        stage.add("a", t, f"a{k}", now_ns=t)
        stage.add("b", t - 90 * MS, f"b{k}", now_ns=t)
        fused_b += "b" in fuse_all(stage, t)[1]
        coverage = stage.coverage(t)
    assert fused_b == 0
    assert coverage.live == (True, False) and coverage.silent == ["b"]
    assert "out of sync: 90 ms behind the instant (sync_tolerance 40 ms)" in coverage.reasons[1]


def test_a_camera_fused_now_and_then_stays_live():
    """Unsynchronised cameras: one left out of some instants is still covering the cell."""
    stage = make_stage(["a", "b"], sync_tolerance=0.02, camera_timeout=0.5)
    lives = []
    for k in range(60):
        t = 1000 * MS + k * 33 * MS
        stage.add("a", t, "a", now_ns=t)
        stage.add("b", t + (25 if k % 3 else 0) * MS, "b", now_ns=t)
        fuse_all(stage, t)
        lives.append(stage.coverage(t).live)
    assert all(live == (True, True) for live in lives[3:])


def test_a_camera_the_node_could_not_fuse_names_the_reason():
    stage = make_stage(["a", "b"], camera_timeout=0.5)
    stage.add("a", 1000 * MS, "a")
    stage.add("b", 1000 * MS, "b")
    stage.instant()
    stage.fused("a")
    stage.left_out("b", "no transform cam_b -> world")
    coverage = stage.coverage(1100 * MS)
    assert coverage.live == (True, False)
    assert coverage.explained() == ["b: not fused for 0.50 s: no transform cam_b -> world"]


def test_one_future_stamp_does_not_stop_fusion():
    """Found and fixed: after one frame stamped 1e19 ns every real frame was refused."""
    stage = make_stage(["a"], max_future=0.5)
    assert stage.add("a", 1000 * MS, "ok", now_ns=1000 * MS)
    assert fuse_all(stage, 1000 * MS) == (1000 * MS, {"a": "ok"})
    assert not stage.add("a", 10**19, "bad", now_ns=1010 * MS)
    assert stage.future_refused == 1
    assert stage.add("a", 1033 * MS, "next", now_ns=1033 * MS)
    assert fuse_all(stage, 1033 * MS) == (1033 * MS, {"a": "next"})


def test_a_clock_jump_back_restarts_fusion_at_the_new_time():
    stage = make_stage(["a", "b"])
    for name in ("a", "b"):
        stage.add(name, 5000 * MS, name, now_ns=5000 * MS)
    fuse_all(stage, 5000 * MS)
    # The clock (a looping bag in sim time) is back at 1 s: the kept frames are 4 s ahead.
    assert stage.add("a", 1000 * MS, "a-again", now_ns=1000 * MS)
    assert fuse_all(stage, 1000 * MS) == (1000 * MS, {"a": "a-again"})
    coverage = stage.coverage(1000 * MS)
    assert coverage.live == (True, False) and coverage.reasons[1] == "no skeletons received"


def test_a_clock_jump_back_during_sync_wait_does_not_stall_fusion():
    """Found and fixed: the wait's start stayed in the future after a jump back.

    No step came for 20 s of `har replay --loop --clock` (sim time jumps back at each loop).
    """
    stage = make_stage(["a", "b"], sync_wait=0.1)
    stage.add("b", 20_000 * MS, "b", now_ns=20_000 * MS)
    stage.add("a", 20_050 * MS, "a", now_ns=20_050 * MS)
    assert stage.instant(20_060 * MS) is None  # waiting for b's frame of the instant
    # the replay loops: the clock is back at 1 s, a keeps sending, b is slow again
    stage.add("b", 1_000 * MS, "b-again", now_ns=1_000 * MS)
    stage.add("a", 1_050 * MS, "a-again", now_ns=1_050 * MS)
    assert stage.instant(1_060 * MS) is None  # a new wait, from the new time
    assert fuse_all(stage, 1_200 * MS) == (1_050 * MS, {"a": "a-again"})


def test_an_instant_waits_for_the_slower_cameras_of_it():
    """An instant waits up to sync_wait for the cameras that are not silent.

    Found with the coverage fix: the first pose node to answer took the step,
    and a camera whose node was slower (same stamp, later arrival) was never fused.
    """
    stage = make_stage(["a", "b"], sync_tolerance=0.02, sync_wait=0.1)
    stage.add("b", 900 * MS, "b-before", now_ns=900 * MS)  # b is a camera of the cell
    for k in range(3):
        t = 1000 * MS + k * 200 * MS
        stage.add("a", t, f"a{k}", now_ns=t + 20 * MS)
        assert stage.instant(t + 20 * MS) is None  # b has not answered for this instant yet
        stage.add("b", t, f"b{k}", now_ns=t + 60 * MS)
        assert stage.instant(t + 60 * MS) == (t, {"a": f"a{k}", "b": f"b{k}"})
    # b falls silent: the wait is spent once per instant, then b is left out
    t = 1600 * MS
    stage.add("a", t, "a3", now_ns=t)
    assert stage.instant(t) is None
    assert stage.instant(t + 100 * MS) == (t, {"a": "a3"})
    t = 2400 * MS  # b is silent (1 s): nobody to wait for
    stage.add("a", t, "a4", now_ns=t)
    assert stage.instant(t) == (t, {"a": "a4"})


def test_a_camera_leading_within_max_clock_offset_fails_safe_and_is_named():
    """Decided: a camera 0.2 s ahead sets the instant, the correct one falls out of sync.

    Fusion goes on with the leading camera, coverage says the other is not live
    (the safety node caps the speed), and the reason names the leader; its
    time_offset in the cell file (or synchronised clocks) brings both back.
    """
    for offsets, both in (({}, False), ({"ahead": -0.2}, True)):
        stage = make_stage(["ok", "ahead"], offsets_s=offsets, max_clock_offset=0.25)
        for i in range(30):
            now = 1000 * MS + i * 66 * MS
            stage.add("ok", now - 10 * MS, i, now)
            stage.add("ahead", now + 190 * MS, i, now)
            fuse_all(stage, now)
        coverage = stage.coverage(now)
        assert coverage.live == (both, True)
        if not both:
            assert "ahead's stamps lead the clock by 0.19 s" in coverage.reasons[0]


def test_a_camera_whose_clock_is_off_is_measured_named_and_not_live():
    stage = make_stage(
        ["ok", "behind", "ahead"], sync_tolerance=0.04, max_future=0.5, max_clock_offset=0.25
    )
    for i in range(30):  # 15 fps, 10 ms of transport; one camera 0.3 s behind, one ahead
        now = 1000 * MS + i * 66 * MS
        stage.add("ok", now - 10 * MS, i, now)
        stage.add("behind", now - 310 * MS, i, now)
        stage.add("ahead", now + 290 * MS, i, now)
        fuse_all(stage, now)
    assert stage.clock_offset("ok", now) == pytest.approx(0.01)
    assert stage.clock_offset("behind", now) == pytest.approx(0.31)
    assert stage.clock_offset("ahead", now) == pytest.approx(-0.29)
    coverage = stage.coverage(now)
    assert coverage.live == (True, False, False)
    assert coverage.reasons[1].startswith("not fused")  # out of sync with the others, and
    assert "(clock offset: stamps lag the node's clock by 0.31 s" in coverage.reasons[1]
    assert coverage.reasons[2].startswith("clock offset: stamps lead the node's clock by 0.29")
    assert "chrony/PTP" in coverage.reasons[2]


def test_each_camera_counts_frames_received_and_fused_once_each():
    stage = make_stage(["a", "b"], sync_tolerance=0.05)
    stage.add("a", 1000 * MS, "a1")
    stage.add("b", 1000 * MS, "b1")
    fuse_all(stage)
    stage.add("b", 1030 * MS, "b2")  # a's frame serves this instant too: fused once
    fuse_all(stage)
    stage.add("a", 1100 * MS, "a2")
    stage.add("a", 1200 * MS, "a3")  # a2 replaced before any step: received, not fused
    fuse_all(stage)
    assert [(s.received, s.fused_frames) for s in stage.slots.values()] == [(3, 2), (2, 2)]


def test_an_instant_every_camera_delivered_is_fused_when_one_is_already_further():
    """Found by the cell bench: the fastest camera's next frame hid the complete instant."""
    stage = make_stage(["a", "b"], sync_tolerance=0.02, camera_timeout=0.5, sync_wait=0.1)
    now = 1100 * MS
    stage.add("a", 1000 * MS, "a1", now)
    stage.add("a", 1066 * MS, "a2", now)  # a is one frame further before b delivers 1000
    stage.add("b", 1000 * MS, "b1", now)
    assert stage.instant(now) == (1000 * MS, {"a": "a1", "b": "b1"})  # at once, no wait
    stage.fused("a")
    assert stage.slots["a"].fused_ns == 1000 * MS
    assert stage.instant(now) is None  # 1066 waits for b (sync_wait)
    stage.add("b", 1066 * MS, "b2", now + 10 * MS)
    assert stage.instant(now + 10 * MS) == (1066 * MS, {"a": "a2", "b": "b2"})
