"""`har bench models`: every protocol x seed trained and scored, summarised per protocol."""

import pytest

from har_ros.bench import models


def test_one_protocol_two_seeds_trained_summarised_and_tabled():
    result = models.run(
        ["fridge_unseen_view", "utd_25"],
        [0, 1],
        utd_dir=None,
        jobs=2,
        overrides={"epochs": 2, "window": 16},
        progress=lambda line: None,
    )
    assert [r["seed"] for r in result["runs"]] == [0, 1]
    (row,) = result["protocols"]
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


def _fake_utd(folder, actions=(1, 2, 15, 16), subjects=8, trials=2):
    """UTD-MHAD-named .mat files of random motion (the loader's format, not its content)."""
    folder.mkdir()
    import numpy as np
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    for a in actions:  # two in each half of UTD-MHAD's 27 classes
        for s in range(1, subjects + 1):
            for t in range(1, trials + 1):
                skel = rng.normal(0, 0.3, (20, 3, 30)) + np.linspace(0, a, 30)
                savemat(str(folder / f"a{a}_s{s}_t{t}_skeleton.mat"), {"d_skel": skel})
    return folder


def test_the_few_shot_curve_fine_tunes_the_other_half_from_scratch_and_from_init(tmp_path):
    utd = _fake_utd(tmp_path / "utd")
    result = models.few_shot(
        [0],
        str(utd),
        tmp_path / "work",
        jobs=2,
        overrides={"epochs": 2, "window": 16},
        clips=(1, 0),
        progress=lambda line: None,
    )
    curve = {(r["clips_per_class"], r["init"]): r for r in result["curve"]}
    assert set(curve) == {(1, False), (1, True), (0, False), (0, True)}
    assert curve[(1, False)]["train_clips"] == 2  # one clip of each class of the second half
    assert curve[(0, True)]["train_clips"] == 2 * 4 * 2  # all: 4 training subjects x 2 trials
    assert result["pretrained"][0]["train_clips"] == 2 * 4 * 2  # the first half's 2 classes
    assert (tmp_path / "work" / "pretrained_0.pt").is_file()
    assert "--init" in models.few_shot_table(result)
    with pytest.raises(ValueError, match="UTD-MHAD"):
        models.few_shot([0], str(tmp_path / "nowhere"), tmp_path / "work")


def test_runs_scored_at_test_noise_ratios_get_an_alpha_table(tmp_path):
    result = models.run(
        ["utd_25"],
        [0],
        str(_fake_utd(tmp_path / "utd")),
        jobs=1,
        overrides={"epochs": 2, "window": 16},
        progress=lambda line: None,
        alphas=(0.0, 0.2),
    )
    (row,) = result["protocols"]
    assert set(row["alpha"]) == {"0.0", "0.2"}
    assert row["alpha"]["0.0"]["mean"] == row["mean"]  # α 0 is the clean score
    assert "α 0.2" in models.alpha_table(result)


def test_the_command_trains_one_protocol_and_names_bad_input(har, tmp_path):
    out = tmp_path / "r.json"
    done = har(
        "bench",
        "models",
        "--protocols",
        "fridge_unseen_view",
        "--seeds",
        "0",
        "--jobs",
        "1",
        "--set",
        '{"epochs": 1, "window": 16}',
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "| fridge_unseen_view | 600 / 100 |" in done.stdout
    import json

    assert json.loads(out.read_text())["runs"][0]["epochs"] == 1
    for args, message in (
        (["--protocols", "utd_1000"], "unknown protocols"),
        (["--set", '{"epoch": 1}'], "unknown training settings"),
        (["--set", "{epochs"], "error"),
    ):
        done = har("bench", "models", *args)
        assert done.returncode == 2 and message in done.stderr, done.stderr
