import pytest

from har_ros.action.dataset import DatasetError
from har_ros.action.labels import (
    LabelInterval,
    label_at,
    label_problems,
    read_label_file,
    read_labels,
    write_labels,
)


def test_label_file_round_trip_and_validation(tmp_path):
    intervals = [LabelInterval(1, 0.0, 2.5, "waiting"), LabelInterval(None, 3.0, 4.0, "x")]
    write_labels(tmp_path / "l.csv", intervals)
    back = read_labels(tmp_path / "l.csv")
    assert back == intervals
    assert label_at(back, 1, 1.0) == "waiting" and label_at(back, 7, 3.5) == "x"
    assert label_at(back, 1, 2.7) is None
    (tmp_path / "bad.csv").write_text("track_id,start,end,label\n1,2.0,1.0,a\n")
    with pytest.raises(DatasetError, match="start must be before end"):
        read_labels(tmp_path / "bad.csv")
    (tmp_path / "overlap.csv").write_text("track_id,start,end,label\n1,0,2,a\n1,1,3,b\n")
    with pytest.raises(DatasetError, match="overlap"):
        read_labels(tmp_path / "overlap.csv")


def test_metadata_comments_round_trip(tmp_path):
    path = tmp_path / "labels.csv"
    write_labels(path, [LabelInterval(2, 1.0, 2.0, "a")], {"subject": "7", "position": "1.5"})
    assert path.read_text().startswith("# subject: 7\n# position: 1.5\ntrack_id,")
    loaded = read_label_file(path)
    assert loaded.meta == {"subject": "7", "position": "1.5"}
    assert loaded.intervals == [LabelInterval(2, 1.0, 2.0, "a")]


def test_a_track_overlapping_everyone_is_two_labels_at_once():
    everyone = LabelInterval(None, 0.0, 5.0, "waiting")
    assert label_problems([everyone, LabelInterval(3, 4.0, 6.0, "opening door")])
    assert not label_problems([everyone, LabelInterval(3, 5.0, 6.0, "opening door"),
                               LabelInterval(4, 5.5, 7.0, "waiting")])


def test_unknown_class_is_named_with_the_known_ones(tmp_path):
    (tmp_path / "l.csv").write_text("track_id,start,end,label\n1,0,1,dancing\n")
    with pytest.raises(DatasetError, match=r"unknown class 'dancing' \(classes: a, b\)"):
        read_label_file(tmp_path / "l.csv", classes=["a", "b"])


def test_a_refused_write_keeps_the_file_already_saved(tmp_path):
    path = tmp_path / "labels.csv"
    write_labels(path, [LabelInterval(1, 0.0, 1.0, "a")])
    before = path.read_text()
    with pytest.raises(DatasetError, match="overlaps"):
        write_labels(path, [LabelInterval(1, 0.0, 1.0, "a"), LabelInterval(1, 0.5, 2.0, "b")])
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["labels.csv"]
