"""`har bench models`: every protocol x seed trained and scored, summarised per protocol."""

import pytest

from har_ros.bench import models


def test_one_protocol_two_seeds_trained_summarised_and_tabled():
    result = models.run(["fridge_unseen_view", "utd_25"], [0, 1], utd_dir=None, jobs=2,
                        overrides={"epochs": 2, "window": 16}, progress=lambda line: None)
    assert [r["seed"] for r in result["runs"]] == [0, 1]
    row, = result["protocols"]
    assert row["protocol"] == "fridge_unseen_view" and row["test_clips"] == 100
    assert row["min"] <= row["mean"] <= row["max"] and len(row["top1"]) == 2
    assert all(r["epochs"] == 2 for r in result["runs"])
    assert "utd_25" in result["skipped"]  # no UTD-MHAD folder given: named, not hidden
    text = models.table(result)
    assert "fridge_unseen_view" in text and "skipped" in text


def test_unknown_settings_and_protocols_are_refused():
    with pytest.raises(ValueError, match="unknown training settings"):
        models.run(["utd_25"], [0], None, overrides={"epoch": 3})
    with pytest.raises(ValueError, match="unknown protocols"):
        models.run(["utd_1000"], [0], None)
