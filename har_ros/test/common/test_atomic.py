"""Whole-file writes and the refusal to write over a command's own inputs."""

import os

import pytest

from har_ros.common.atomic import (
    InputOverwriteError,
    atomic_file,
    atomic_write_text,
    refuse_overwrite,
    same_file,
)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.yaml"
    target.write_text("old\n")
    target.chmod(0o600)
    with pytest.raises(OSError, match="disk full"), atomic_file(target) as out:
        out.write("half of the new")
        raise OSError("disk full")
    assert target.read_text() == "old\n"
    atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n" and target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.yaml"]


def test_outputs_naming_an_input_are_refused(tmp_path):
    data = tmp_path / "data.npz"
    data.write_bytes(b"input")
    (tmp_path / "link.npz").symlink_to(data)
    os.link(data, tmp_path / "hard.npz")
    for out in (
        data,
        tmp_path / "link.npz",
        tmp_path / "hard.npz",
        tmp_path / "x" / ".." / "data.npz",
    ):
        assert same_file(out, data)
        with pytest.raises(InputOverwriteError, match="is the input"):
            refuse_overwrite([tmp_path / "new.npz", out], [data])
    bag = tmp_path / "bag"
    bag.mkdir()
    (bag / "labels.csv").write_text("labels")
    with pytest.raises(InputOverwriteError, match="a file of the input"):
        refuse_overwrite([bag / "labels.csv"], [bag])
    with pytest.raises(InputOverwriteError, match="same file"):
        refuse_overwrite([tmp_path / "a", tmp_path / "a"], [])
    refuse_overwrite([tmp_path / "new.npz", bag / "new"], [data, bag])  # new files are fine
    assert data.read_bytes() == b"input"
