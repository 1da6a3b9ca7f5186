"""`har dataset stats|check` as a user runs it, on files written by the project's own commands."""

import numpy as np
import pytest

from har_ros.action.dataset import SequenceDataset, save_npz
from har_ros.skeleton.layouts import get_layout


@pytest.fixture(scope="module")
def scenario_bag(har, tmp_path_factory):
    bag = tmp_path_factory.mktemp("scenario") / "bag"
    done = har("synth", "--scenario", "--out", str(bag), "--people", "2", "--seconds", "20")
    assert done.returncode == 0, done.stderr
    return bag


def test_stats_of_a_labelled_bag_with_a_png(har, scenario_bag, tmp_path):
    done = har("dataset", "stats", f"bag:{scenario_bag}", "--png", str(tmp_path / "s.png"))
    assert done.returncode == 0, done.stderr
    assert "clips" in done.stdout and "subjects" in done.stdout
    assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"


def test_check_reports_unlabelled_gaps_of_a_bag(har, scenario_bag, tmp_path):
    labels = (scenario_bag / "labels.csv").read_text().splitlines()
    trimmed = tmp_path / "bag"
    trimmed.mkdir()
    for item in scenario_bag.iterdir():
        (trimmed / item.name).symlink_to(item)
    (trimmed / "labels.csv").unlink()
    (trimmed / "labels.csv").write_text("\n".join(labels[:4]) + "\n")  # the rest unlabelled
    done = har("dataset", "check", f"bag:{trimmed}")
    assert "unlabelled stretch" in done.stdout, done.stdout


def test_check_fails_a_dataset_that_cannot_train(har, tmp_path):
    clips = [np.ones((10, 17, 3), np.float32) for _ in range(3)]
    save_npz(
        SequenceDataset(
            clips, [0, 0, 0], ["waiting", "opening door"], [1, 1, 2], get_layout("coco17")
        ),
        tmp_path / "one.npz",
    )
    done = har("dataset", "check", f"npz:{tmp_path / 'one.npz'}")
    assert done.returncode == 1
    assert "PROBLEM: 1 class(es) with clips" in done.stdout
    assert har("dataset", "stats", f"npz:{tmp_path / 'one.npz'}").returncode == 0


def test_unreadable_inputs_are_one_clear_line(har, tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    done = har("dataset", "check", f"npz:{tmp_path / 'junk.npz'}")
    assert done.returncode == 1 and done.stderr.startswith("error: ")
    assert "Traceback" not in done.stderr
    (tmp_path / "bag").mkdir()
    (tmp_path / "bag" / "labels.csv").write_text("track_id,start,end,label\n1,0,1,a\n")
    done = har("dataset", "check", f"bag:{tmp_path / 'bag'}")
    assert done.returncode == 1 and "is no rosbag2 directory" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
