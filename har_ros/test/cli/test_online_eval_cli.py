"""`har dataset chain` and `har eval --online` as a user runs them, on files they wrote."""

import json

import numpy as np
import pytest

from har_ros.action.dataset import SequenceDataset, save_npz
from har_ros.action.recognizer import DEFAULT_MODEL
from har_ros.skeleton.layouts import COCO17


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    rng = np.random.default_rng(0)
    sequences = []
    for _ in range(12):
        seq = rng.normal(100, 20, (30, 17, 3)).astype(np.float32)
        seq[..., 2] = 1.0
        sequences.append(seq)
    labels = [i % 3 for i in range(12)]
    subjects = [1 + i // 3 for i in range(12)]
    split = np.array(["train" if s <= 2 else "test" for s in subjects])
    path = tmp_path_factory.mktemp("clips") / "clips.npz"
    save_npz(
        SequenceDataset(
            sequences, labels, ["p", "q", "r"], subjects, COCO17, split=split, meta={"fps": 30.0}
        ),
        path,
    )
    return path


def test_chain_writes_a_stream_bag_and_the_known_training_and_test_rows(har, clips, tmp_path):
    done = har(
        "dataset",
        "chain",
        f"npz:{clips}",
        "--out",
        str(tmp_path / "stream"),
        "--outside",
        "2",
        "--train-out",
        str(tmp_path / "known.npz"),
        "--test-out",
        str(tmp_path / "known_test.npz"),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["people"] == 2 and report["outside_classes"] == ["r"]
    assert report["train"]["classes"] == 2 and report["train"]["clips"] == 4
    from har_ros.action.dataset import load_npz

    test = load_npz(tmp_path / "known_test.npz")  # the chained clips of the known classes
    assert report["test"]["clips"] == len(test) == 4 and set(test.subjects) == {3, 4}
    assert test.class_names == ["p", "q"]
    labels = (tmp_path / "stream" / "labels.csv").read_text()
    assert "# outside: r" in labels and labels.count(",r\n") == 2


def test_chain_names_a_class_that_does_not_exist(har, clips, tmp_path):
    done = har("dataset", "chain", f"npz:{clips}", "--out", str(tmp_path / "s"), "--outside", "9")
    assert done.returncode != 0 and "not in 0..2" in done.stderr


def test_chain_refuses_to_write_over_its_input(har, clips, tmp_path):
    """Found and fixed: --train-out naming the input replaced its 12 clips with 6."""
    before = clips.read_bytes()
    for train_out in (clips, clips.with_suffix("")):  # savez adds .npz to the second
        done = har(
            "dataset",
            "chain",
            f"npz:{clips}",
            "--out",
            str(tmp_path / "stream"),
            "--outside",
            "2",
            "--train-out",
            str(train_out),
        )
        assert done.returncode == 1 and done.stderr.startswith("error: "), done.stderr
        assert f"{clips} is the input" in done.stderr and "Traceback" not in done.stderr
        assert clips.read_bytes() == before
        assert not (tmp_path / "stream").exists()  # refused before anything was written


def test_online_eval_of_a_synthetic_stream_prints_every_figure_and_plots(har, tmp_path):
    bag = tmp_path / "fridge"
    done = har(
        "synth",
        "--scenario",
        "--out",
        str(bag),
        "--people",
        "2",
        "--seconds",
        "30",
        "--outside",
        "0.2",
        "--idle",
        "0.3,1.0",
        "--seed",
        "5",
    )
    assert done.returncode == 0, done.stderr
    done = har(
        "eval",
        "--online",
        "--ckpt",
        str(DEFAULT_MODEL),
        "--data",
        str(bag),
        "--min-fill",
        "0.5",
        "--json",
        "--out-dir",
        str(tmp_path / "eval"),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["mode"] == "ros_free" and report["actions"] > 5
    assert 0.0 <= report["per_frame_accuracy"] <= 1.0 and report["frames_outside"] > 0
    assert report["onset_delay_s"]["n"] + report["missed_actions"] == report["actions"]
    for png in ("timeline.png", "onset_delay.png", "reliability.png"):
        assert (tmp_path / "eval" / png).read_bytes()[:4] == b"\x89PNG"


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def test_online_eval_json_is_strict_json(har, tmp_path):
    """Found and fixed: a figure without samples was printed as a bare NaN, no JSON at all.

    Nobody acts outside the class list here: those shares have no value (null).
    """
    bag = tmp_path / "known_only"
    har(
        "synth",
        "--scenario",
        "--out",
        str(bag),
        "--people",
        "1",
        "--seconds",
        "8",
        "--seed",
        "1",
        check=True,
    )
    done = har(
        "eval",
        "--online",
        "--ckpt",
        str(DEFAULT_MODEL),
        "--data",
        str(bag),
        "--json",
        "--out-dir",
        str(tmp_path / "eval"),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout, parse_constant=_no_constant)
    assert report["frames_outside"] == 0 and report["outside_shown_unknown"] is None
    assert 0.0 <= report["per_frame_accuracy"] <= 1.0
    saved = json.loads((tmp_path / "eval" / "online.json").read_text(), parse_constant=_no_constant)
    assert saved["outside_auroc"] == report["outside_auroc"]


def test_online_eval_refuses_a_folder_that_is_no_stream_bag(har, tmp_path):
    done = har("eval", "--online", "--ckpt", str(DEFAULT_MODEL), "--data", str(tmp_path))
    assert done.returncode == 2 and "error:" in done.stderr


def test_chain_refuses_test_and_training_rows_that_would_be_the_same(har, clips, tmp_path):
    done = har(
        "dataset",
        "chain",
        f"npz:{clips}",
        "--out",
        str(tmp_path / "s"),
        "--split",
        "all",
        "--outside",
        "2",
        "--train-out",
        str(tmp_path / "a.npz"),
        "--test-out",
        str(tmp_path / "b.npz"),
    )
    assert done.returncode != 0 and "same clips" in done.stderr
    assert not (tmp_path / "s").exists()
