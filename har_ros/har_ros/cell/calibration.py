"""Calibrated cameras: intrinsics, distortion and pose in the cell frame, and projection.

Conventions: the OpenCV / ROS optical frame (x right, y down, z forward);
``R``, ``t`` map cell-frame points into the camera (``x_cam = R x_cell + t``);
metres. Readers for a Qualisys ``.qca.txt`` (as Pose2Sim ships its demo
calibration, millimetres, the camera's pose in the world with z back) and for
the OpenCV/ROS ``camera_info`` YAML (intrinsics only; the pose then comes from
the cell description).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import yaml
from numpy.typing import ArrayLike
from scipy.spatial.transform import Rotation


class CalibrationError(ValueError):
    """A calibration file is missing, malformed or inconsistent."""


#: Distortion coefficient counts OpenCV's projection accepts (plumb_bob 5, rational 8, ...).
DISTORTION_LENGTHS = (4, 5, 8, 12, 14)


@dataclass(frozen=True)
class CameraCalibration:
    name: str
    width: int
    height: int
    K: np.ndarray  # (3, 3)
    dist: np.ndarray  # plumb_bob k1, k2, p1, p2, k3
    R: np.ndarray  # (3, 3) cell -> camera
    t: np.ndarray  # (3,)

    def __post_init__(self) -> None:
        if self.K.shape != (3, 3) or self.R.shape != (3, 3) or self.t.shape != (3,):
            raise CalibrationError(f"{self.name}: K, R must be 3x3 and t of length 3")
        if not np.allclose(self.R @ self.R.T, np.eye(3), atol=1e-5) or np.linalg.det(self.R) < 0:
            raise CalibrationError(f"{self.name}: R is not a rotation")
        if self.width <= 0 or self.height <= 0:
            raise CalibrationError(f"{self.name}: image size {self.width}x{self.height}")
        for field, value in (
            ("K", self.K),
            ("distortion", self.dist),
            ("R", self.R),
            ("t", self.t),
        ):
            if not np.all(np.isfinite(value)):
                raise CalibrationError(f"{self.name}: {field} is not finite")
        if not (self.K[0, 0] > 0 and self.K[1, 1] > 0 and np.allclose(self.K[2], (0.0, 0.0, 1.0))):
            raise CalibrationError(
                f"{self.name}: camera matrix K {self.K.ravel().tolist()} needs fx, fy > 0 and "
                "a last row 0 0 1 (all zeros is what an uncalibrated camera publishes)"
            )
        if self.dist.ndim != 1 or len(self.dist) not in DISTORTION_LENGTHS:
            raise CalibrationError(
                f"{self.name}: {self.dist.size} distortion coefficients; OpenCV takes "
                f"{', '.join(map(str, DISTORTION_LENGTHS))}"
            )

    @property
    def centre(self) -> np.ndarray:
        """The camera's optical centre in the cell frame."""
        return -self.R.T @ self.t

    def projection(self) -> np.ndarray:
        """The 3x4 matrix K [R | t] (for undistorted pixels)."""
        return self.K @ np.column_stack([self.R, self.t])

    @cached_property
    def _rvec(self) -> np.ndarray:
        """R as OpenCV's rotation vector, computed once (fusion projects every frame)."""
        import cv2

        return cv2.Rodrigues(self.R)[0]

    def project(self, points: np.ndarray) -> np.ndarray:
        """(N, 3) cell-frame points -> (N, 2) distorted pixels; NaN behind the camera."""
        import cv2

        points = np.asarray(points, np.float64).reshape(-1, 3)
        cam = points @ self.R.T + self.t
        pixels, _ = cv2.projectPoints(points, self._rvec, self.t, self.K, self.dist)
        pixels = pixels.reshape(-1, 2)
        pixels[cam[:, 2] <= 0] = np.nan
        return pixels

    def undistort(self, pixels: np.ndarray) -> np.ndarray:
        """(N, 2) distorted pixels -> (N, 2) ideal pixels (the pinhole K, no distortion)."""
        import cv2

        pixels = np.asarray(pixels, np.float64).reshape(-1, 1, 2)
        if not len(pixels):
            return pixels.reshape(0, 2)
        return cv2.undistortPoints(pixels, self.K, self.dist, P=self.K).reshape(-1, 2)

    def scaled(self, width: int) -> CameraCalibration:
        """The same camera for images resized to ``width`` (aspect kept)."""
        s = width / self.width
        K = self.K.copy()
        K[:2] *= s
        return CameraCalibration(
            self.name, width, round(self.height * s), K, self.dist, self.R, self.t
        )

    def with_pose(self, xyz: ArrayLike, quat_xyzw: ArrayLike) -> CameraCalibration:
        """The same camera with its optical frame at ``xyz``, ``quat`` in the cell (e.g. TF)."""
        R, t = pose_from_xyz_quat(xyz, quat_xyzw)
        return CameraCalibration(self.name, self.width, self.height, self.K, self.dist, R, t)

    def pose_in_cell(self) -> tuple[np.ndarray, np.ndarray]:
        """(translation, quaternion xyzw) of the camera's optical frame in the cell frame."""
        return self.centre, Rotation.from_matrix(self.R.T).as_quat()

    def floor_point(self, pixel: np.ndarray, floor_z: float = 0.0) -> np.ndarray | None:
        """Where the ray through ``pixel`` meets the plane z = floor_z, or None."""
        ideal = self.undistort(np.asarray(pixel, np.float64).reshape(1, 2))[0]
        ray = self.R.T @ np.linalg.solve(self.K, np.array([ideal[0], ideal[1], 1.0]))
        if abs(ray[2]) < 1e-9:
            return None
        scale = (floor_z - self.centre[2]) / ray[2]
        return None if scale <= 0 else self.centre + scale * ray


def _attributes(element: ET.Element, tag: str) -> dict[str, str]:
    """The attributes of ``element``'s child ``tag``; KeyError naming it when there is none."""
    child = element.find(tag)
    if child is None:
        raise KeyError(tag)
    return dict(child.attrib)


def read_qca(path: str | Path) -> list[CameraCalibration]:
    """Cameras of a Qualisys ``.qca.txt`` in file order (Pose2Sim's conversion).

    Intrinsics are stored in 1/64 pixel and offset by the video field of view;
    the transform is the camera's pose in the world with its z axis pointing
    back, in mm: turned by pi about x into the optical frame and inverted.
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise CalibrationError(f"cannot read {path}: {exc}") from exc
    cameras: list[CameraCalibration] = []
    flip = np.diag([1.0, -1.0, -1.0])  # rotation by pi about x
    for camera in root.findall("cameras/camera"):
        name = camera.get("serial", f"cam{len(cameras) + 1}")
        try:
            fov = _attributes(camera, "fov_video")
            tf = _attributes(camera, "transform")
            intr = _attributes(camera, "intrinsic")
            left, top = float(fov["left"]), float(fov["top"])
            width = round(float(fov["right"]) - left + 1)
            height = round(float(fov["bottom"]) - top + 1)
            K = np.array(
                [
                    [float(intr["focalLengthU"]) / 64, 0, float(intr["centerPointU"]) / 64 - left],
                    [0, float(intr["focalLengthV"]) / 64, float(intr["centerPointV"]) / 64 - top],
                    [0, 0, 1],
                ]
            )
            dist = np.array(
                [
                    float(intr[k]) / 64
                    for k in (
                        "radialDistortion1",
                        "radialDistortion2",
                        "tangentalDistortion1",
                        "tangentalDistortion2",
                    )
                ]
                + [0.0]
            )
            M = np.array([[float(tf[f"r{i}{j}"]) for j in (1, 2, 3)] for i in (1, 2, 3)])
            position = np.array([float(tf[k]) for k in ("x", "y", "z")]) / 1000.0
        except (AttributeError, KeyError, ValueError) as exc:
            raise CalibrationError(f"{path}: camera {name}: missing or bad field {exc}") from exc
        R = flip @ M
        try:
            cameras.append(CameraCalibration(name, width, height, K, dist, R, -R @ position))
        except CalibrationError as exc:
            raise CalibrationError(f"{path}: camera {exc}") from exc
    if not cameras:
        raise CalibrationError(f"{path}: no cameras/camera elements")
    return cameras


def read_camera_info_yaml(
    path: str | Path, R: np.ndarray | None = None, t: np.ndarray | None = None
) -> CameraCalibration:
    """An OpenCV/ROS ``camera_info`` YAML (camera_calibration's output) + a pose."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
        K = np.array(data["camera_matrix"]["data"], np.float64).reshape(3, 3)
        dist = np.array(
            data.get("distortion_coefficients", {}).get("data", []) or [0] * 5, np.float64
        )
        model = data.get("distortion_model", "plumb_bob")
        if model not in ("plumb_bob", "rational_polynomial"):
            raise CalibrationError(f"{path}: distortion model {model!r} is not supported")
        return CameraCalibration(
            str(data.get("camera_name", path.stem)),
            int(data["image_width"]),
            int(data["image_height"]),
            K,
            dist,
            np.eye(3) if R is None else np.asarray(R, np.float64),
            np.zeros(3) if t is None else np.asarray(t, np.float64),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, CalibrationError) and str(exc).startswith(str(path)):
            raise
        raise CalibrationError(f"camera_info YAML {path}: {exc}") from exc


def camera_info_yaml(cal: CameraCalibration) -> str:
    """The ROS camera_info YAML of ``cal`` (camera_calibration_parsers' layout)."""
    P = np.column_stack([cal.K, np.zeros(3)])
    data = {
        "image_width": cal.width,
        "image_height": cal.height,
        "camera_name": cal.name,
        "camera_matrix": {"rows": 3, "cols": 3, "data": cal.K.ravel().tolist()},
        "distortion_model": "plumb_bob",
        "distortion_coefficients": {"rows": 1, "cols": 5, "data": cal.dist.tolist()},
        "rectification_matrix": {"rows": 3, "cols": 3, "data": np.eye(3).ravel().tolist()},
        "projection_matrix": {"rows": 3, "cols": 4, "data": P.ravel().tolist()},
    }
    return yaml.safe_dump(data, sort_keys=False)


def pose_from_xyz_quat(xyz: ArrayLike, quat_xyzw: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(R, t) of a camera whose optical frame sits at ``xyz`` with ``quat`` in the cell."""
    rot = Rotation.from_quat(np.asarray(quat_xyzw, np.float64)).as_matrix()
    R = rot.T
    return R, -R @ np.asarray(xyz, np.float64)
