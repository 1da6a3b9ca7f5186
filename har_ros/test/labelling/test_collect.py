import itertools

import pytest

from har_ros.labelling.collect import plan


def test_plan_rests_counts_down_then_records_each_action_per_repetition():
    phases = plan(["wait", "open"], repetitions=2, duration=4.0, countdown=3.0, rest=1.0)
    assert [(p.kind, p.action, p.repetition) for p in phases[:6]] == [
        ("rest", "wait", 1),
        ("countdown", "wait", 1),
        ("action", "wait", 1),
        ("rest", "open", 1),
        ("countdown", "open", 1),
        ("action", "open", 1),
    ]
    assert len(phases) == 12 and phases[-1].end == 2 * 2 * (1 + 3 + 4)
    assert all(a.end == b.start for a, b in itertools.pairwise(phases))
    assert phases[2].prompt(2) == "GO: wait (1/2) for 4 s"
    assert [p.kind for p in plan(["x"], 1, 1.0, countdown=0, rest=0)] == ["action"]


def test_plan_refuses_nonsense():
    with pytest.raises(ValueError, match="no actions"):
        plan([], 1, 1.0)
    with pytest.raises(ValueError):
        plan(["x"], 0, 1.0)
    with pytest.raises(ValueError):
        plan(["x"], 1, 0.0)
