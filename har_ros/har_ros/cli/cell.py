"""`har cell convert|check|eval`: calibrations in, a cell description out, and how well it fuses.

- ``convert CALIB --out-dir DIR``: a Qualisys/Pose2Sim ``.qca.txt`` (or a cell
  YAML) -> one ROS ``camera_info`` YAML per camera, the static transforms of
  the cameras (``static_transforms.yaml``, also printed as
  ``static_transform_publisher`` command lines) and a ``cell.yaml`` that uses
  them (a cell YAML's other fields kept); each file written whole, and never
  over one of the inputs;
- ``check CELL``: load a cell description and list its cameras;
- ``eval [CELL]``: the cell's videos through pose + fusion without ROS,
  per pose backend and input size: triangulated joints' reprojection error
  (median / p95 px), people and fused ids, and pose time per frame.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    convert = sub.add_parser("convert", help="calibration -> camera_info YAMLs, TF, cell.yaml")
    convert.add_argument("calibration", help=".qca.txt (Qualisys/Pose2Sim) or a cell YAML")
    convert.add_argument("--out-dir", required=True)
    convert.add_argument(
        "--cell-frame", default="", help="default: the cell YAML's cell_frame, else 'cell'"
    )
    check = sub.add_parser("check", help="load a cell description and list its cameras")
    check.add_argument("cell", help="cell YAML")
    evaluate = sub.add_parser("eval", help="reprojection error per backend and input size")
    evaluate.add_argument("cell", nargs="?", default="", help="cell YAML (default: Pose2Sim)")
    evaluate.add_argument("--backends", default="movenet")
    evaluate.add_argument("--input-widths", default="192,256,320,384")
    evaluate.add_argument("--width", type=int, default=540, help="frames resized to this width")
    evaluate.add_argument("--step", type=int, default=1, help="every n-th frame")
    evaluate.add_argument(
        "--detect-every",
        default="1",
        help="comma-separated pose node detect_every values; above 1 also "
        "how far the predicted frames' fused positions are from "
        "those of detecting every frame",
    )
    evaluate.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from ..cell.calibration import CalibrationError
    from ..cell.description import CellError
    from ..common.atomic import InputOverwriteError

    try:
        return {"convert": _convert, "check": _check, "eval": _eval}[args.action](args)
    except (CalibrationError, CellError, FileNotFoundError, InputOverwriteError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


#: Output files of ``convert`` besides the cameras': no camera's file may take these names.
_RESERVED = frozenset({"cell", "static_transforms"})


def _sources(path: Path, out: Path) -> tuple[list, list[dict], dict, list[Path]]:
    """Calibrations, each camera's YAML entry, the other cell fields, and every file read.

    A cell YAML keeps all it holds (robot, safety overrides, a camera's
    time_offset, video, frame_id, keys this command does not know): only the
    calibration entries are rewritten (and a video's path made relative to
    ``out``), so a conversion never drops a field.
    """
    import os

    import yaml

    from ..cell.calibration import read_qca
    from ..cell.description import load_cell, resolve

    if path.name.endswith(".qca.txt"):
        cals = read_qca(path)
        return cals, [{} for _ in cals], {"robot": {"position": [0.0, 0.0]}}, [path]
    cell = load_cell(path)
    data = yaml.safe_load(path.read_text())
    entries = [dict(spec) for spec in data["cameras"]]
    files = [path]
    for spec in entries:
        calibration = spec["calibration"]
        for key in ("qca", "camera_info"):
            if key in calibration:
                files.append(Path(resolve(path.parent, str(calibration[key]))))
        if spec.get("video"):
            video = Path(str(spec["video"]))
            files.append(Path(resolve(path.parent, str(video))))
            if not video.is_absolute() and (path.parent / video).exists():
                spec["video"] = os.path.relpath(
                    os.path.abspath(path.parent / video), os.path.abspath(out)
                )
    rest = {k: v for k, v in data.items() if k != "cameras"}
    rest["cell_frame"] = cell.cell_frame
    cals = [dataclasses.replace(c.calibration, name=c.name) for c in cell.cameras]
    return cals, entries, rest, files


def _convert(args) -> int:
    import yaml

    from ..cell.calibration import camera_info_yaml
    from ..cell.description import ros_camera_name
    from ..common.atomic import atomic_write_text, refuse_overwrite

    source = Path(args.calibration)
    out = Path(args.out_dir)
    cals, entries, rest, inputs = _sources(source, out)
    from_input = rest.pop("cell_frame", "cell")  # never left in rest: it would win below
    cell_frame = args.cell_frame or from_input
    names: list[str] = []
    for cal in cals:
        names.append(ros_camera_name(cal.name, _RESERVED | set(names)))
    outputs = [out / f"{name}.yaml" for name in names] + [
        out / "static_transforms.yaml",
        out / "cell.yaml",
    ]
    refuse_overwrite(outputs, inputs)  # before anything is written
    out.mkdir(parents=True, exist_ok=True)
    cameras, transforms = [], []
    for cal, entry, name in zip(cals, entries, names, strict=True):
        if name != cal.name:
            print(f"camera {cal.name!r} is named {name!r} (a ROS name, and a file in {out})")
            cal = dataclasses.replace(cal, name=name)
        atomic_write_text(out / f"{cal.name}.yaml", camera_info_yaml(cal))
        xyz, quat = cal.pose_in_cell()
        frame = str(entry.get("frame_id", f"{cal.name}_optical_frame"))
        transforms.append(
            {
                "parent": cell_frame,
                "child": frame,
                "xyz": [round(float(v), 6) for v in xyz],
                "quat": [round(float(v), 9) for v in quat],
            }
        )
        camera = {
            "name": cal.name,
            "calibration": {
                "camera_info": f"{cal.name}.yaml",
                "xyz": transforms[-1]["xyz"],
                "quat": transforms[-1]["quat"],
            },
        }
        camera.update((k, v) for k, v in entry.items() if k not in camera)
        cameras.append(camera)
        x, y, z = transforms[-1]["xyz"]
        qx, qy, qz, qw = transforms[-1]["quat"]
        print(
            f"ros2 run tf2_ros static_transform_publisher --x {x} --y {y} --z {z} "
            f"--qx {qx} --qy {qy} --qz {qz} --qw {qw} --frame-id {cell_frame} "
            f"--child-frame-id {frame}"
        )
    atomic_write_text(out / "static_transforms.yaml", yaml.safe_dump(transforms, sort_keys=False))
    atomic_write_text(
        out / "cell.yaml",
        yaml.safe_dump({"cell_frame": cell_frame, "cameras": cameras, **rest}, sort_keys=False),
    )
    print(f"wrote {len(cameras)} camera_info YAMLs, static_transforms.yaml and cell.yaml to {out}")
    return 0


def _check(args) -> int:
    from ..cell.description import load_cell

    cell = load_cell(args.cell)
    for cam in cell.cameras:
        cal = cam.calibration
        print(
            f"{cam.name}: {cal.width}x{cal.height} f={cal.K[0, 0]:.0f} px at "
            f"{[round(float(v), 2) for v in cal.centre]} m, frame {cam.frame_id}, "
            f"video {cam.video or '-'}"
        )
    print(
        f"cell frame {cell.cell_frame}; robot {cell.robot_position or cell.robot_frame}; "
        f"safety {cell.safety_parameters()}"
    )
    return 0


def _eval_row(run, reference, cameras: int, detect_every: int = 1) -> dict:
    """One ``har cell eval`` row; ``reference``: the every-frame run to compare positions with."""
    import numpy as np

    errors = run.reprojection_errors()
    ids = run.ids_per_frame()
    row = {
        "frames": len(run.frames),
        "reprojection_median_px": float(np.median(errors)) if len(errors) else None,
        "reprojection_p95_px": float(np.percentile(errors, 95)) if len(errors) else None,
        "people_mean": float(np.mean([len(i) for i in ids])),
        "fused_ids": len(set().union(*ids)) if ids else 0,
        "pose_ms_per_image": 1000 * run.pose_seconds / max(1, len(run.frames) * cameras),
    }
    if reference is not None:
        moved = run.position_errors(reference, detect_every) * 100.0
        row["predicted_vs_detected_median_cm"] = float(np.median(moved)) if len(moved) else None
        row["predicted_vs_detected_p95_cm"] = (
            float(np.percentile(moved, 95)) if len(moved) else None
        )
    return row


def _eval(args) -> int:
    import dataclasses

    from ..cell.description import default_cell_file, load_cell
    from ..cell.offline import run_rig
    from ..pose.node_config import PoseNodeConfig

    cell = load_cell(args.cell or default_cell_file())
    videos = {c.name: Path(c.video) for c in cell.cameras if c.video}
    if len(videos) < 2:
        raise FileNotFoundError(f"{cell.path}: need videos for two or more cameras")
    rows = []
    for backend in [b for b in args.backends.split(",") if b]:
        for input_width in [int(w) for w in args.input_widths.split(",") if w]:
            reference = None
            for detect_every in [int(n) for n in args.detect_every.split(",") if n]:
                pose = dataclasses.replace(
                    PoseNodeConfig(),
                    backend=backend,
                    input_width=input_width,
                    detect_every=detect_every,
                )
                run = run_rig(videos, cell.calibrations(), args.width, pose, step=args.step)
                if detect_every == 1:
                    reference = run
                elif reference is None:
                    reference = run_rig(
                        videos,
                        cell.calibrations(),
                        args.width,
                        dataclasses.replace(pose, detect_every=1),
                        step=args.step,
                    )
                row = _eval_row(
                    run, reference if detect_every > 1 else None, len(videos), detect_every
                )
                rows.append(
                    {
                        "backend": backend,
                        "input_width": input_width,
                        "detect_every": detect_every,
                        **row,
                    }
                )
                if not args.json:
                    moved = (
                        "; predicted frames' positions vs detected: median "
                        f"{row['predicted_vs_detected_median_cm']:.1f} cm, p95 "
                        f"{row['predicted_vs_detected_p95_cm']:.1f} cm"
                        if detect_every > 1
                        else ""
                    )
                    print(
                        f"{backend:8s} input {input_width:4d} detect_every {detect_every}: "
                        f"reprojection median {row['reprojection_median_px']:.1f} px, p95 "
                        f"{row['reprojection_p95_px']:.1f} px; people {row['people_mean']:.2f},"
                        f" fused ids {row['fused_ids']}; pose {row['pose_ms_per_image']:.1f} "
                        f"ms/image{moved}",
                        flush=True,
                    )
    if args.json:
        print(json.dumps({"cell": str(cell.path), "width": args.width, "rows": rows}))
    return 0
