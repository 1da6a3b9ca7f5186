from pathlib import Path

import numpy as np
import pytest
import yaml
from synthetic import look_at

from har_ros.cell.calibration import (
    CalibrationError,
    camera_info_yaml,
    pose_from_xyz_quat,
    read_camera_info_yaml,
    read_qca,
)


def test_projection_and_floor_point_are_inverse():
    cam = look_at("c", (4.0, 0.0, 2.0))
    point = np.array([0.3, -0.2, 0.0])
    pixel = cam.project(point[None])[0]
    assert np.allclose(cam.floor_point(pixel), point, atol=1e-6)
    assert np.allclose(cam.project(np.array([[0.0, 0.0, 1.0]]))[0], [320, 240])
    assert np.isnan(cam.project(np.array([[8.0, 0.0, 2.0]]))).all()  # behind the camera
    assert np.allclose(cam.centre, [4, 0, 2])


def test_pose_in_the_cell_round_trips():
    cam = look_at("c", (1.0, 2.0, 3.0))
    xyz, quat = cam.pose_in_cell()
    R, t = pose_from_xyz_quat(xyz, quat)
    assert np.allclose(R, cam.R) and np.allclose(t, cam.t)


def test_camera_info_yaml_round_trips(tmp_path):
    cam = look_at("front", (4.0, 0.0, 2.0))
    (tmp_path / "front.yaml").write_text(camera_info_yaml(cam))
    back = read_camera_info_yaml(tmp_path / "front.yaml", cam.R, cam.t)
    assert back.name == "front" and (back.width, back.height) == (640, 480)
    assert np.allclose(back.K, cam.K) and np.allclose(back.projection(), cam.projection())
    data = yaml.safe_load((tmp_path / "front.yaml").read_text())
    assert data["distortion_model"] == "plumb_bob" and len(data["projection_matrix"]["data"]) == 12


def test_a_scaled_camera_projects_to_scaled_pixels():
    cam = look_at("c", (4.0, 0.0, 2.0))
    half = cam.scaled(320)
    p = np.array([[0.2, 0.1, 1.2]])
    assert half.height == 240 and np.allclose(half.project(p), cam.project(p) / 2)


def test_bad_files_say_why(tmp_path):
    (tmp_path / "bad.qca.txt").write_text(
        "<calibration><cameras><camera serial='x'/></cameras></calibration>"
    )
    with pytest.raises(CalibrationError, match="camera x: missing or bad field"):
        read_qca(tmp_path / "bad.qca.txt")
    (tmp_path / "junk.qca.txt").write_text("not xml")
    with pytest.raises(CalibrationError, match="cannot read"):
        read_qca(tmp_path / "junk.qca.txt")
    (tmp_path / "info.yaml").write_text("image_width: 10\n")
    with pytest.raises(CalibrationError, match="camera_info YAML"):
        read_camera_info_yaml(tmp_path / "info.yaml")


def test_pose2sim_calibration(pose2sim_calibration: Path):
    cams = read_qca(pose2sim_calibration)
    assert [c.name for c in cams] == ["cam01", "cam02", "cam03", "cam04"]
    for cam in cams:
        assert (cam.width, cam.height) == (1088, 1920)
        assert 1.5 < cam.centre[2] < 2.5  # on tripods about 1.7-2.1 m above the floor
        # every camera looks towards the middle of the capture volume
        centre = cam.project(np.array([[0.0, 0.0, 1.0]]))[0]
        assert 0 < centre[0] < cam.width and 0 < centre[1] < cam.height


@pytest.mark.parametrize(
    ("k", "dist", "why"),
    [
        ([0.0] * 9, [0.0] * 5, "needs fx, fy > 0"),  # what an uncalibrated camera publishes
        ([500, 0, 320, 0, 500, 240, 0, 0, 1], [0.1, 0.0, 0.0], "3 distortion coefficients"),
        ([500, 0, 320, 0, 500, 240, 0, 0, 1], [0.1, float("nan"), 0, 0, 0], "not finite"),
    ],
)
def test_intrinsics_a_camera_cannot_use_are_refused_naming_camera_and_file(tmp_path, k, dist, why):
    """Found and fixed: these passed configure, then the first person ended person_fusion.

    LinAlgError for the zero K, cv2.error for 3 coefficients.
    """
    from har_ros.cell.description import CellError, load_cell

    info = yaml.safe_load(camera_info_yaml(look_at("front", (4.0, 0.0, 2.0))))
    info["camera_matrix"]["data"], info["distortion_coefficients"]["data"] = k, dist
    (tmp_path / "front.yaml").write_text(yaml.safe_dump(info))
    (tmp_path / "cell.yaml").write_text(
        yaml.safe_dump(
            {
                "cameras": [
                    {
                        "name": "front",
                        "calibration": {"camera_info": "front.yaml", "xyz": [4, 0, 2]},
                    }
                ]
            }
        )
    )
    with pytest.raises(CellError, match=rf"camera front: .*front\.yaml.*{why}"):
        load_cell(tmp_path / "cell.yaml")
