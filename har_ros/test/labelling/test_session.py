from har_ros.action.labels import LabelInterval
from har_ros.labelling.session import LabelSession, intervals_from_json, parse_classes


def test_classes_from_a_list_or_a_file(tmp_path):
    assert parse_classes("waiting, opening door") == ["waiting", "opening door"]
    (tmp_path / "classes.txt").write_text("# fridge\nwaiting\nclosing door\n\n")
    assert parse_classes(str(tmp_path / "classes.txt")) == ["waiting", "closing door"]


def test_save_writes_classes_and_position_and_reopens_there(tmp_path):
    session = LabelSession.open(tmp_path / "labels.csv", ["a", "b"])
    assert not session.error
    assert session.save([LabelInterval(1, 0.0, 1.0, "b")], position=0.5) == []
    again = LabelSession.open(tmp_path / "labels.csv")
    assert again.classes == ["a", "b"] and again.position == 0.5
    assert again.intervals == [LabelInterval(1, 0.0, 1.0, "b")]


def test_a_refused_save_names_the_problem_and_keeps_the_file(tmp_path):
    session = LabelSession.open(tmp_path / "labels.csv", ["a", "b"])
    session.save([LabelInterval(1, 0.0, 1.0, "a")])
    before = (tmp_path / "labels.csv").read_text()
    problems = session.save(
        [
            LabelInterval(1, 0.0, 1.0, "a"),
            LabelInterval(None, 0.5, 2.0, "b"),
            LabelInterval(2, 3.0, 4.0, "c"),
        ]
    )
    assert any("overlaps" in p for p in problems)
    assert any("unknown class 'c'" in p for p in problems)
    assert (tmp_path / "labels.csv").read_text() == before


def test_an_unreadable_label_file_is_reported_and_never_overwritten(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("track_id,start,end,label\n1,0,1,dancing\n")
    session = LabelSession.open(path, ["waiting"])
    assert "dancing" in session.error and "left as it is" in session.error
    assert session.save([LabelInterval(1, 0.0, 1.0, "waiting")])[0].startswith("not saved")
    assert path.read_text() == "track_id,start,end,label\n1,0,1,dancing\n"
    assert "no class list" in LabelSession.open(tmp_path / "new.csv").error


def test_segments_from_the_page():
    assert intervals_from_json(
        [
            {"track": "*", "start": 1, "end": 2, "label": "a"},
            {"track": 3, "start": "2", "end": 3, "label": "b"},
        ]
    ) == [LabelInterval(None, 1.0, 2.0, "a"), LabelInterval(3, 2.0, 3.0, "b")]
    try:
        intervals_from_json([{"track": 1, "start": 0}])
    except ValueError as exc:
        assert "segment 1" in str(exc)
    else:
        raise AssertionError("a segment without end was accepted")
