"""`har cell convert`: camera names unsafe as paths or ROS names, fields kept, inputs kept."""

import argparse
from pathlib import Path

import numpy as np
import yaml

from har_ros.cell.calibration import CameraCalibration, camera_info_yaml
from har_ros.cell.description import load_cell, ros_camera_name
from har_ros.cli.cell import _convert, run


def test_camera_names_become_ros_names():
    assert ros_camera_name("cam01") == "cam01"
    assert ros_camera_name("../../etc/passwd") == "etc_passwd"
    assert ros_camera_name("/abs/x") == "abs_x"
    assert ros_camera_name("26587") == "cam_26587"
    assert ros_camera_name("..") == "cam"
    assert ros_camera_name("a b", {"a_b"}) == "a_b_2"


def test_convert_never_writes_outside_the_out_dir(pose2sim_calibration_text, tmp_path):
    """Found and fixed: a serial like ../../x wrote ../../x.yaml outside --out-dir."""
    hostile = (
        pose2sim_calibration_text.replace('serial="cam01"', 'serial="../../escaped"', 1)
        .replace('serial="cam02"', 'serial="/tmp/absolute"', 1)
        .replace('serial="cam03"', 'serial="26587"', 1)
    )
    calibration = tmp_path / "in" / "calib.qca.txt"
    calibration.parent.mkdir()
    calibration.write_text(hostile)
    out = tmp_path / "deep" / "out"
    assert (
        _convert(
            argparse.Namespace(calibration=str(calibration), out_dir=str(out), cell_frame="world")
        )
        == 0
    )
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == [
        "deep/out/cam04.yaml",
        "deep/out/cam_26587.yaml",
        "deep/out/cell.yaml",
        "deep/out/escaped.yaml",
        "deep/out/static_transforms.yaml",
        "deep/out/tmp_absolute.yaml",
        "in/calib.qca.txt",
    ]
    cell = load_cell(out / "cell.yaml")
    assert [c.name for c in cell.cameras] == ["escaped", "tmp_absolute", "cam_26587", "cam04"]


def _cell_folder(folder):
    """A cell YAML with every field convert must keep, and its camera_info files."""
    folder.mkdir()
    K = np.array([[500.0, 0, 320], [0, 500, 240], [0, 0, 1]])
    for file in ("cam01.yaml", "intrinsics02.yaml"):  # camera_name differs from the cell's
        (folder / file).write_text(
            camera_info_yaml(
                CameraCalibration("front", 640, 480, K, np.zeros(5), np.eye(3), np.zeros(3))
            )
        )
    (folder / "clip01.mp4").write_bytes(b"video")
    cell = {
        "cell_frame": "world",
        "cameras": [
            {
                "name": "cam01",
                "calibration": {
                    "camera_info": "cam01.yaml",
                    "xyz": [0.0, -2.0, 1.5],
                    "quat": [-0.7071068, 0.0, 0.0, 0.7071068],
                },
                "video": "clip01.mp4",
                "time_offset": 0.04,
                "frame_id": "cam01_link",
            },
            {
                "name": "cam02",
                "calibration": {
                    "camera_info": "intrinsics02.yaml",
                    "xyz": [2.0, 0.0, 1.5],
                    "quat": [0.0, 0.0, 0.0, 1.0],
                },
                "time_offset": -0.02,
            },
        ],
        "robot": {"frame": "base_link"},
        "safety": {"robot_zone_radius": 0.7, "stop_distance": 0.4},
    }
    (folder / "cell.yaml").write_text(yaml.safe_dump(cell, sort_keys=False))
    return folder / "cell.yaml"


def _convert_args(calibration, out_dir, cell_frame=""):
    return argparse.Namespace(
        action="convert", calibration=str(calibration), out_dir=str(out_dir), cell_frame=cell_frame
    )


def test_convert_keeps_every_field_of_a_cell_yaml(tmp_path):
    """Only the calibrations are rewritten: robot, safety, time_offset, video survive.

    Found and fixed: robot {frame: base_link} became position [0, 0] (the safety
    node then measured distances to the origin); safety overrides and
    time_offset were lost.
    """
    source = _cell_folder(tmp_path / "in")
    assert run(_convert_args(source, tmp_path / "out")) == 0
    before, after = load_cell(source), load_cell(tmp_path / "out" / "cell.yaml")
    assert after.robot_frame == "base_link" and after.robot_position is None
    assert after.safety == {"robot_zone_radius": 0.7, "stop_distance": 0.4}
    assert after.safety_parameters() == before.safety_parameters()
    assert after.cell_frame == "world"
    assert [c.name for c in after.cameras] == ["cam01", "cam02"]
    assert [c.time_offset for c in after.cameras] == [0.04, -0.02]
    assert [c.frame_id for c in after.cameras] == ["cam01_link", "cam02_optical_frame"]
    assert after.cameras[0].video and Path(after.cameras[0].video).samefile(
        tmp_path / "in" / "clip01.mp4"
    )
    for old, new in zip(before.cameras, after.cameras, strict=True):
        assert np.allclose(old.calibration.K, new.calibration.K)
        assert np.allclose(old.calibration.R, new.calibration.R, atol=1e-6)
        assert np.allclose(old.calibration.t, new.calibration.t, atol=1e-5)


def test_a_cell_frame_given_on_the_command_line_wins_everywhere(tmp_path):
    """Found in review: the input's cell_frame overrode --cell-frame in cell.yaml.

    The TF parent and the cell file then disagreed.
    """
    import yaml

    source = _cell_folder(tmp_path / "in")
    assert run(_convert_args(source, tmp_path / "out", "map")) == 0
    assert load_cell(tmp_path / "out" / "cell.yaml").cell_frame == "map"
    transforms = yaml.safe_load((tmp_path / "out" / "static_transforms.yaml").read_text())
    assert {t["parent"] for t in transforms} == {"map"}


def test_convert_refuses_to_overwrite_its_input(tmp_path, capsys):
    """Found and fixed: --out-dir the input's folder replaced cell.yaml with a lossy copy."""
    source = _cell_folder(tmp_path / "in")
    before = {p.name: p.read_bytes() for p in source.parent.iterdir()}
    (tmp_path / "link").symlink_to(source.parent)
    for out_dir in (source.parent, tmp_path / "link"):
        assert run(_convert_args(source, out_dir)) == 1
        error = capsys.readouterr().err
        assert error.startswith("error: ") and "is the input" in error, error
        assert str(source.parent) in error
        assert {p.name: p.read_bytes() for p in source.parent.iterdir()} == before
