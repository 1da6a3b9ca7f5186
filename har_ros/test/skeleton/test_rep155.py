"""REP-155 keypoints, regions and body frames from our people, without ROS."""

import importlib.util

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from har_ros.skeleton.layouts import BLAZEPOSE33, COCO17, OPENPOSE18, UTD_KINECT20
from har_ros.skeleton.rep155 import (
    REP155_JOINTS,
    body_pose,
    normalised_roi,
    rep155_joint_map,
    skeleton2d_points,
)
from har_ros.skeleton.types import Person, PositionSource


def _person(layout, keypoints, **kwargs):
    return Person(
        np.asarray(keypoints, np.float32),
        layout.name,
        0.9,
        (10, 20, 110, 220),
        track_id=3,
        **kwargs,
    )


@pytest.mark.skipif(
    importlib.util.find_spec("hri_msgs") is None,
    reason="hri_msgs not built (../shared/ros2_extras absent)",
)
def test_the_joint_order_is_hri_msgs_constants():
    from hri_msgs.msg import Skeleton2D

    assert [getattr(Skeleton2D, j.upper()) for j in REP155_JOINTS] == list(range(18))


def test_coco17_keypoints_become_normalised_rep155_points_with_a_neck():
    keypoints = np.zeros((17, 3))
    for j in range(17):
        keypoints[j] = (10 * j, 5 * j, 0.5 + j / 40)
    points = skeleton2d_points(_person(COCO17, keypoints), 200, 100)
    assert points.shape == (18, 3)
    for j, name in enumerate(REP155_JOINTS):
        if name == "neck":
            ls, rs = COCO17.index("left_shoulder"), COCO17.index("right_shoulder")
            want = (
                (keypoints[ls, 0] + keypoints[rs, 0]) / 2 / 200,
                (keypoints[ls, 1] + keypoints[rs, 1]) / 2 / 100,
                min(keypoints[ls, 2], keypoints[rs, 2]),
            )
        else:
            k = keypoints[COCO17.index(name)]
            want = (k[0] / 200, k[1] / 100, k[2])
        np.testing.assert_allclose(points[j], want, atol=1e-6, err_msg=name)


def test_openpose18_eyes_and_ears_are_swapped_into_hri_msgs_order():
    keypoints = np.array([(j + 1.0, 0.0, 1.0) for j in range(18)])
    points = skeleton2d_points(_person(OPENPOSE18, keypoints), 100, 100)
    # OpenPose: 14 right_eye, 15 left_eye; hri_msgs: 14 LEFT_EYE, 15 RIGHT_EYE
    assert points[14, 0] == pytest.approx(16 / 100) and points[15, 0] == pytest.approx(15 / 100)
    assert points[:14, 0] == pytest.approx(np.arange(1, 15) / 100)


def test_missing_nan_and_outside_keypoints():
    keypoints = np.full((17, 3), (50.0, 50.0, 0.8))
    keypoints[COCO17.index("left_ankle")] = (50, 50, 0.0)  # not found
    keypoints[COCO17.index("right_ankle")] = (np.nan, 50, 0.9)  # NaN position
    keypoints[COCO17.index("nose")] = (-20, 500, 0.9)  # outside the image
    points = skeleton2d_points(_person(COCO17, keypoints), 100, 100)
    assert points[REP155_JOINTS.index("left_ankle")].tolist() == [0, 0, 0]
    assert points[REP155_JOINTS.index("nose")].tolist() == pytest.approx([0, 1, 0.9])
    assert np.all(np.isfinite(points)) and np.all((points >= 0) & (points <= 1))


def test_kinect_head_stands_in_for_the_nose_and_its_shoulder_centre_for_the_neck():
    mapping = rep155_joint_map(UTD_KINECT20)
    assert mapping[REP155_JOINTS.index("nose")] == (UTD_KINECT20.index("head"),)
    assert mapping[REP155_JOINTS.index("neck")] == (UTD_KINECT20.index("shoulder_center"),)
    assert mapping[REP155_JOINTS.index("left_eye")] == ()
    assert len(rep155_joint_map(BLAZEPOSE33)[REP155_JOINTS.index("neck")]) == 2


def test_an_unknown_layout_or_wrong_size_has_no_skeleton2d():
    person = Person(np.zeros((5, 3), np.float32), "custom5", 0.9, (0, 0, 1, 1))
    assert skeleton2d_points(person, 100, 100) is None
    assert skeleton2d_points(_person(COCO17, np.zeros((12, 3))), 100, 100) is None


def test_the_roi_is_normalised_clipped_and_never_nan():
    assert normalised_roi((10, 20, 110, 220), 200, 400) == pytest.approx((0.05, 0.05, 0.55, 0.55))
    assert normalised_roi((-5, np.nan, 300, 50), 200, 100) == pytest.approx((0, 0, 1, 0.5))


def _facing(quaternion) -> np.ndarray:
    return Rotation.from_quat(quaternion).apply([1.0, 0.0, 0.0])


def test_body_frame_faces_the_way_the_hips_face_with_z_up_in_the_cell():
    keypoints_3d = np.full((17, 3), np.nan)
    keypoints_3d[COCO17.index("left_hip")] = (2.0, 0.9, 0.9)  # left is -y: facing -x
    keypoints_3d[COCO17.index("right_hip")] = (2.0, 1.1, 0.9)
    person = _person(
        COCO17,
        np.zeros((17, 3)),
        keypoints_3d=keypoints_3d,
        position=np.array([2.0, 1.0, 0.9]),
        position_source=PositionSource.TRIANGULATED,
        position_frame_id="cell",
    )
    person.position = np.array([2.0, 1.0, 0.8])  # e.g. the mean of more joints
    pose = body_pose(person)
    # origin at the hips' mid-point, not the position
    assert pose.parent_frame == "cell" and pose.translation == pytest.approx((2.0, 1.0, 0.9))
    np.testing.assert_allclose(_facing(pose.rotation), [-1, 0, 0], atol=1e-9)
    np.testing.assert_allclose(
        Rotation.from_quat(pose.rotation).apply([0, 0, 1]), [0, 0, 1], atol=1e-9
    )


def test_body_frame_from_depth_is_upright_in_the_optical_frame_facing_the_camera():
    person = _person(
        COCO17,
        np.zeros((17, 3)),
        position=np.array([0.1, 0.2, 3.0]),
        position_source=PositionSource.DEPTH,
        position_frame_id="camera_optical",
    )
    rotation = Rotation.from_quat(body_pose(person).rotation)
    np.testing.assert_allclose(rotation.apply([0, 0, 1]), [0, -1, 0], atol=1e-9)  # up
    np.testing.assert_allclose(rotation.apply([1, 0, 0]), [0, 0, -1], atol=1e-9)  # at the camera


@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # no position
        {
            "position": np.array([np.nan, 0, 0]),
            "position_source": PositionSource.FLOOR,
            "position_frame_id": "floor",
        },
        {
            "position": np.array([1.0, 0, 0]),
            "position_source": PositionSource.FLOOR,
            "position_frame_id": "",
        },
    ],
)
def test_no_body_frame_without_a_usable_position(kwargs):
    assert body_pose(_person(COCO17, np.zeros((17, 3)), **kwargs)) is None
