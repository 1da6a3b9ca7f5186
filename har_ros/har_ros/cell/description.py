"""The cell description: one YAML file for the cameras, the cell frame, the robot, the zones.

```yaml
cell_frame: cell
cameras:
  - name: cam01                       # namespace of its pose node: /cam01/...
    calibration: {qca: calib.qca.txt, camera: cam01}     # or:
    # calibration: {camera_info: cam01.yaml, xyz: [x, y, z], quat: [x, y, z, w]}
    video: pose2sim_multiperson_cam01.mp4   # optional replay source (a path or a cached asset)
    time_offset: 0.0                  # s added to this camera's stamps
robot: {position: [0.0, 0.0]}         # or {frame: base_link}
safety: {robot_zone_radius: 0.5}      # any safety_node parameter
```

Relative paths are relative to the YAML file. Topic names follow from the
camera name (``/<name>/image``, ``/<name>/camera_info``, ``/<name>/skeletons``);
the camera's optical frame is ``<name>_optical_frame`` unless ``frame_id`` is
given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from .calibration import (
    CalibrationError,
    CameraCalibration,
    pose_from_xyz_quat,
    read_camera_info_yaml,
    read_qca,
)

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def ros_camera_name(raw: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``raw`` (a calibration's serial or camera_name) as a unique ROS name.

    The name becomes a namespace, a frame and a file name: ``../..``, ``/etc/x``
    or ``26587`` must not become a path outside the output or an invalid topic.
    """
    name = re.sub(r"[^A-Za-z0-9_]+", "_", raw).strip("_")
    if not _NAME.match(name):
        name = f"cam_{name}" if name else "cam"
    unique, k = name, 2
    while unique in taken:
        unique, k = f"{name}_{k}", k + 1
    return unique


class CellError(ValueError):
    """The cell description is missing, malformed or inconsistent; the text says where."""


@dataclass(frozen=True)
class CellCamera:
    name: str
    calibration: CameraCalibration
    frame_id: str
    video: str = ""
    time_offset: float = 0.0

    @property
    def namespace(self) -> str:
        return f"/{self.name}"

    def topic(self, leaf: str) -> str:
        return f"{self.namespace}/{leaf}"


@dataclass(frozen=True)
class Cell:
    path: Path
    cell_frame: str
    cameras: tuple[CellCamera, ...]
    robot_position: tuple[float, float] | None = None
    robot_frame: str = ""
    safety: dict[str, object] = field(default_factory=dict)

    def camera(self, name: str) -> CellCamera:
        for cam in self.cameras:
            if cam.name == name:
                return cam
        raise CellError(
            f"{self.path}: no camera {name!r}; cameras: {[c.name for c in self.cameras]}"
        )

    def calibrations(self) -> dict[str, CameraCalibration]:
        return {c.name: c.calibration for c in self.cameras}

    def safety_parameters(self) -> dict[str, object]:
        """safety_node parameters implied by the cell (robot position and frame) + overrides.

        Fused positions are in the cell frame already; TF (``cell_frame``) is only
        needed when the robot's position comes from a TF frame.
        """
        params: dict[str, object] = {}
        if self.robot_frame:
            params.update(cell_frame=self.cell_frame, robot_frame=self.robot_frame)
        if self.robot_position is not None:
            params["robot_zone_points"] = [float(v) for v in self.robot_position]
        return {**params, **self.safety}


def resolve(base: Path, name: str) -> str:
    """A path relative to the YAML, or a cached asset's name, or the name as given."""
    path = Path(name)
    if not path.is_absolute() and (base / path).exists():
        return str(base / path)
    if not path.exists() and "/" not in name:
        from ..assets import AssetError, asset_path

        try:
            return str(asset_path(name))
        except AssetError:
            pass
    return name


def _calibration(
    base: Path, name: str, spec: object, qca_cache: dict[str, dict[str, CameraCalibration]]
) -> CameraCalibration:
    if not isinstance(spec, dict):
        raise CellError(f"camera {name}: calibration must be a mapping")
    if "qca" in spec:
        file = resolve(base, str(spec["qca"]))
        if file not in qca_cache:
            qca_cache[file] = {c.name: c for c in read_qca(file)}
        wanted = str(spec.get("camera", name))
        if wanted not in qca_cache[file]:
            raise CellError(
                f"camera {name}: {file} has no camera {wanted!r} (it has {sorted(qca_cache[file])})"
            )
        return qca_cache[file][wanted]
    if "camera_info" in spec:
        try:
            R, t = pose_from_xyz_quat(spec["xyz"], spec.get("quat", [0, 0, 0, 1]))
        except (KeyError, ValueError) as exc:
            raise CellError(
                f"camera {name}: a camera_info calibration needs xyz (and quat) "
                f"of the optical frame in the cell: {exc}"
            ) from exc
        return read_camera_info_yaml(resolve(base, str(spec["camera_info"])), R, t)
    raise CellError(f"camera {name}: calibration needs 'qca' or 'camera_info'")


def default_cell_file() -> str:
    """The shipped Pose2Sim demo cell, as installed in the package's share directory."""
    from ..resources import share_file

    return str(share_file("config", "cell_pose2sim.yaml"))


def load_cell(path: str | Path) -> Cell:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise CellError(f"cannot read cell description {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise CellError(f"{path}: expected a mapping at the top")
    unknown = set(data) - {"cell_frame", "cameras", "robot", "safety"}
    if unknown:
        raise CellError(f"{path}: unknown keys {sorted(unknown)}")
    cameras: list[CellCamera] = []
    names: set[str] = set()
    qca_cache: dict[str, dict[str, CameraCalibration]] = {}
    for k, spec in enumerate(data.get("cameras") or []):
        if not isinstance(spec, dict) or "name" not in spec:
            raise CellError(f"{path}: camera {k + 1} needs a name")
        name = str(spec["name"])
        if not _NAME.match(name) or name in names:
            raise CellError(f"{path}: camera name {name!r} is not a unique ROS name")
        names.add(name)
        try:
            calibration = _calibration(path.parent, name, spec.get("calibration"), qca_cache)
        except CalibrationError as exc:
            raise CellError(f"{path}: camera {name}: {exc}") from exc
        offset = float(spec.get("time_offset", 0.0))
        if not np.isfinite(offset) or abs(offset) > 1.0:
            raise CellError(f"{path}: camera {name}: time_offset must be within ±1 s")
        cameras.append(
            CellCamera(
                name,
                calibration,
                str(spec.get("frame_id", f"{name}_optical_frame")),
                resolve(path.parent, str(spec["video"])) if spec.get("video") else "",
                offset,
            )
        )
    if not cameras:
        raise CellError(f"{path}: no cameras")
    robot = data.get("robot") or {}
    position = robot.get("position")
    if position is not None and (len(position) != 2 or not np.all(np.isfinite(position))):
        raise CellError(f"{path}: robot position must be [x, y] in the cell frame")
    safety = data.get("safety") or {}
    if not isinstance(safety, dict):
        raise CellError(f"{path}: safety must be a mapping of safety_node parameters")
    return Cell(
        path,
        str(data.get("cell_frame", "cell")),
        tuple(cameras),
        None if position is None else (float(position[0]), float(position[1])),
        str(robot.get("frame", "")),
        dict(safety),
    )
