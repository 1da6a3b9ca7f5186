"""`har collect` against a live skeleton stream over real DDS: bag + labels from the prompts."""

import pytest

from har_ros.action.labels import read_label_file
from har_ros.action.synth import make_stream, save_stream
from har_ros.bags.io import read_bag
from har_ros.bags.recordings import load_labelled_bag


@pytest.mark.graph
def test_guided_recording_writes_a_trainable_labelled_bag(processes, topic_prefix, tmp_path):
    stream = tmp_path / "stream.npz"
    save_stream(make_stream(people=1, seconds=40, seed=3), stream, 30.0)
    publisher = processes.start(
        f"{topic_prefix}/skeletons", str(stream), "now", script="publish_stream.py"
    )
    bag = tmp_path / "session"
    collect = processes.start(
        "collect",
        "-o",
        str(bag),
        "--actions",
        "waiting,opening_door",
        "--subject",
        "4",
        "--view",
        "front",
        "--repetitions",
        "2",
        "--duration",
        "1.5",
        "--countdown",
        "1",
        "--rest",
        "0.5",
        "--topics",
        f"{topic_prefix}/skeletons",
        "--discover-timeout",
        "20",
        module="har_ros.cli.main",
    )
    assert collect.wait(timeout=90) == 0, processes.output(collect)
    out = processes.output(collect)
    assert "get ready: waiting (1/2)" in out and "GO: opening_door (2/2)" in out
    assert publisher.poll() is None  # the stream outlived the session: every action had data
    labels = read_label_file(bag / "labels.csv")
    assert labels.meta["subject"] == "4" and labels.meta["view"] == "front"
    assert [(iv.track_id, iv.label) for iv in labels.intervals] == [
        (None, "waiting"),
        (None, "opening_door"),
    ] * 2
    assert all(1.4 < iv.end - iv.start < 1.8 for iv in labels.intervals)
    stamps = [m.timestamp_ns * 1e-9 for m in read_bag(bag)]
    assert stamps[0] < labels.intervals[0].start and labels.intervals[-1].end <= stamps[-1] + 0.2
    data = load_labelled_bag(bag)
    assert len(data) == 4 and set(data.subjects.tolist()) == {4}
    assert data.class_names == ["waiting", "opening_door"]
    # ~1.5 s of a 30 Hz stream each
    assert all(len(s) > 30 for s in data.sequences), [len(s) for s in data.sequences]
