"""person_fusion with ``extrinsics:=tf``: the camera poses come from TF, not from the file.

The cell file of this test puts every camera at the origin (wrong on
purpose); a separate process broadcasts the true poses as static transforms
(the static_transforms.yaml that `har cell convert` writes). Synthetic
skeletons of one person seen by four cameras are fused where the person
really stands only if the node used TF.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from har_msgs.msg import SkeletonArray
from har_ros.ros import qos
from har_ros.ros.frames import tf2_available
from har_ros.ros.graph import spin_until, wait_for_publishers, wait_for_subscribers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cell"))
from synthetic import observe, person_joints, rig

pytestmark = [
    pytest.mark.graph,
    pytest.mark.skipif(
        not tf2_available(),
        reason="tf2_ros is not built here (make "
        "setup builds it from ../shared/ros2_extras when present)",
    ),
]


def write_cell(tmp_path: Path, prefix: str) -> tuple[Path, Path]:
    from har_ros.cell.calibration import camera_info_yaml

    cameras, transforms = [], []
    for name, cal in rig().items():
        (tmp_path / f"{name}.yaml").write_text(camera_info_yaml(cal))
        cameras.append(
            {
                "name": name,
                "calibration": {
                    "camera_info": f"{name}.yaml",
                    "xyz": [0.0, 0.0, 0.0],
                    "quat": [0.0, 0.0, 0.0, 1.0],
                },
            }
        )
        xyz, quat = cal.pose_in_cell()
        transforms.append(
            {
                "parent": "cell",
                "child": f"{prefix.strip('/')}_{name}",
                "xyz": [float(v) for v in xyz],
                "quat": [float(v) for v in quat],
            }
        )
    cell = tmp_path / "cell.yaml"
    cell.write_text(yaml.safe_dump({"cell_frame": "cell", "cameras": cameras}))
    tf = tmp_path / "static_transforms.yaml"
    tf.write_text(yaml.safe_dump(transforms))
    return cell, tf


def test_camera_poses_from_tf(ros_node, processes, topic_prefix, tmp_path):
    from har_ros.ros.skeleton_msgs import frame_to_msg
    from har_ros.skeleton.types import Person, SkeletonFrame

    cell, tf = write_cell(tmp_path, topic_prefix)
    cams = rig()
    processes.start(str(tf), script="static_tf.py")
    remaps = [
        a for name in cams for a in ("-r", f"/{name}/skeletons:={topic_prefix}/{name}/skeletons")
    ]
    processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        *remaps,
        "-p",
        f"cell_file:={cell}",
        "-p",
        "extrinsics:=tf",
        "-p",
        "publish_camera_tf:=false",
        module="har_ros.nodes.person_fusion",
    )
    fused = []
    sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", fused.append, qos.STREAM_QUEUE
    )
    pubs = {
        name: ros_node.create_publisher(
            SkeletonArray, f"{topic_prefix}/{name}/skeletons", qos.STREAM
        )
        for name in cams
    }
    wait_for_publishers(ros_node, sub, timeout=30)
    for pub in pubs.values():
        wait_for_subscribers(ros_node, pub, timeout=30)
    truth = person_joints(0.6, -0.4, yaw=0.3)
    deadline = time.monotonic() + 30
    while not any(m.skeletons and m.skeletons[0].position_source == 3 for m in fused):
        assert time.monotonic() < deadline, "no triangulated person"
        stamp = time.time_ns()
        for name, cal in cams.items():
            kp, box = observe(cal, truth)
            frame = SkeletonFrame(
                stamp,
                f"{topic_prefix.strip('/')}_{name}",
                cal.width,
                cal.height,
                [Person(kp, "coco17", 0.9, box, 1)],
            )
            pubs[name].publish(frame_to_msg(frame))
        end = time.monotonic() + 0.1
        spin_until(ros_node, lambda e=end: time.monotonic() > e, 1.0)
    person = next(m for m in reversed(fused) if m.skeletons).skeletons[0]
    hips = truth[[11, 12]].mean(axis=0)
    assert np.allclose([person.position.x, person.position.y, person.position.z], hips, atol=0.02)
