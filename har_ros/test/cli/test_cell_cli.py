"""`har cell convert` with calibrations whose camera names are not safe as paths or ROS names."""

import argparse

from har_ros.cell.description import load_cell, ros_camera_name
from har_ros.cli.cell import _convert


def test_camera_names_become_ros_names():
    assert ros_camera_name("cam01") == "cam01"
    assert ros_camera_name("../../etc/passwd") == "etc_passwd"
    assert ros_camera_name("/abs/x") == "abs_x"
    assert ros_camera_name("26587") == "cam_26587"
    assert ros_camera_name("..") == "cam"
    assert ros_camera_name("a b", {"a_b"}) == "a_b_2"


def test_convert_never_writes_outside_the_out_dir(pose2sim_calibration_text, tmp_path):
    """Found and fixed: a serial like ../../x wrote ../../x.yaml outside --out-dir."""
    hostile = pose2sim_calibration_text.replace('serial="cam01"', 'serial="../../escaped"', 1) \
        .replace('serial="cam02"', 'serial="/tmp/absolute"', 1) \
        .replace('serial="cam03"', 'serial="26587"', 1)
    calibration = tmp_path / "in" / "calib.qca.txt"
    calibration.parent.mkdir()
    calibration.write_text(hostile)
    out = tmp_path / "deep" / "out"
    assert _convert(argparse.Namespace(calibration=str(calibration), out_dir=str(out),
                                       cell_frame="world")) == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                     if p.is_file())
    assert written == ["deep/out/cam04.yaml", "deep/out/cam_26587.yaml",
                       "deep/out/cell.yaml", "deep/out/escaped.yaml",
                       "deep/out/static_transforms.yaml", "deep/out/tmp_absolute.yaml",
                       "in/calib.qca.txt"]
    cell = load_cell(out / "cell.yaml")
    assert [c.name for c in cell.cameras] == ["escaped", "tmp_absolute", "cam_26587", "cam04"]
