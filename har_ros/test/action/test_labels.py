import pytest

from har_ros.action.dataset import DatasetError
from har_ros.action.labels import (
    LabelInterval,
    label_at,
    label_problems,
    overlaps,
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
    assert not label_problems(
        [
            everyone,
            LabelInterval(3, 5.0, 6.0, "opening door"),
            LabelInterval(4, 5.5, 7.0, "waiting"),
        ]
    )


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


def test_overlaps_in_one_sweep_name_each_collision_once():
    """Found and fixed: overlaps() listed all n^2 pairs (under the server's lock)."""
    pile = [LabelInterval(1, 0.0, 100.0 + k, "a") for k in range(5000)]
    pairs = overlaps(pile)
    assert len(pairs) == len(pile) - 1
    mixed = [
        LabelInterval(1, 0.0, 2.0, "a"),
        LabelInterval(2, 1.0, 3.0, "b"),
        LabelInterval(None, 2.5, 4.0, "c"),
        LabelInterval(1, 3.5, 5.0, "d"),
        LabelInterval(2, 4.0, 6.0, "e"),
    ]
    named = {(a.label, b.label) for a, b in overlaps(mixed)}
    assert named == {("b", "c"), ("c", "d")}  # 1 and 2 may overlap; * may not; 2@4.0 touches


def test_non_finite_times_are_refused_in_files_and_writes(tmp_path):
    """Found and fixed: a save wrote 1,-inf,inf,a; the file then broke the page."""
    path = tmp_path / "labels.csv"
    path.write_text("track_id,start,end,label\n1,-inf,inf,a\n")
    with pytest.raises(DatasetError, match="finite"):
        read_labels(path)
    with pytest.raises(DatasetError, match="finite"):
        write_labels(tmp_path / "out.csv", [LabelInterval(1, float("nan"), 1.0, "a")])


def test_the_atomic_write_never_follows_a_planted_temp_file(tmp_path):
    """Found and fixed: the write went through a fixed .labels.csv.tmp, symlink or not."""
    target = tmp_path / "labels.csv"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / ".labels.csv.tmp").symlink_to(victim)
    write_labels(target, [LabelInterval(1, 0.0, 1.0, "a")])
    assert victim.read_text() == "keep me"
    assert read_labels(target) == [LabelInterval(1, 0.0, 1.0, "a")]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".labels.csv.tmp",
        "labels.csv",
        "victim.txt",
    ]
