"""Layout conversions: COCO-17 <-> OpenPose-18, BlazePose-33 -> COCO-17, Kinect -> COCO."""

import numpy as np
import pytest

from har_ros.skeleton.conversions import can_convert, convert
from har_ros.skeleton.layouts import LayoutError


def _coco(rng):
    kp = np.column_stack(
        [rng.uniform(0, 640, 17), rng.uniform(0, 480, 17), rng.uniform(0.2, 1.0, 17)]
    ).astype(np.float32)
    return kp


def test_coco_to_openpose_uses_the_documented_order_and_synthesises_the_neck():
    kp = _coco(np.random.default_rng(0))
    op = convert(kp, "coco17", "openpose18")
    order = [0, None, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3]
    for target, source in enumerate(order):
        if source is not None:
            np.testing.assert_array_equal(op[target], kp[source])
    np.testing.assert_allclose(op[1, :2], (kp[5, :2] + kp[6, :2]) / 2)
    assert op[1, 2] == min(kp[5, 2], kp[6, 2])


def test_missing_shoulder_gives_a_missing_neck():
    kp = _coco(np.random.default_rng(1))
    kp[5] = 0
    op = convert(kp, "coco17", "openpose18")
    np.testing.assert_array_equal(op[1], [0, 0, 0])


def test_openpose_back_to_coco_is_lossless():
    kp = _coco(np.random.default_rng(2))
    back = convert(convert(kp, "coco17", "openpose18"), "openpose18", "coco17")
    np.testing.assert_array_equal(back, kp)


def test_blazepose_to_coco_picks_the_documented_indices():
    blaze = np.random.default_rng(3).uniform(0.1, 1, (2, 5, 33, 3)).astype(np.float32)
    coco = convert(blaze, "blazepose33", "coco17")  # works on batches of sequences
    assert coco.shape == (2, 5, 17, 3)
    idx = [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]
    np.testing.assert_array_equal(coco, blaze[..., idx, :])


def test_kinect_to_coco_has_no_face_but_the_head():
    kin = np.random.default_rng(4).uniform(0.1, 1, (20, 3))
    coco = convert(kin, "utd_kinect20", "coco17")
    np.testing.assert_array_equal(coco[0], kin[0])
    assert np.all(coco[1:5] == 0)


def test_body_tracker_to_coco_picks_the_sdk_joints_in_3d():
    """k4abt32 has every COCO joint (face too), so x, y, z and score come through as they are."""
    k4a = np.random.default_rng(5).uniform(0.1, 1, (3, 32, 4))  # x, y, z, score
    coco = convert(k4a, "k4abt32", "coco17")
    idx = [27, 28, 30, 29, 31, 5, 12, 6, 13, 7, 14, 18, 22, 19, 23, 20, 24]
    np.testing.assert_array_equal(coco, k4a[:, idx])
    op = convert(k4a, "k4abt32", "openpose18")
    np.testing.assert_array_equal(op[:, 1], k4a[:, 3])  # the SDK's own neck


def test_ntu_to_coco_takes_the_head_for_the_nose():
    ntu = np.random.default_rng(6).uniform(0.1, 1, (25, 4))
    coco = convert(ntu, "ntu25", "coco17")
    np.testing.assert_array_equal(coco[0], ntu[3])
    assert np.all(coco[1:5] == 0)
    np.testing.assert_array_equal(coco[5:], ntu[[4, 8, 5, 9, 6, 10, 12, 16, 13, 17, 14, 18]])


def test_unknown_conversion_is_a_clear_error():
    assert not can_convert("coco17", "utd_kinect20")
    assert can_convert("coco17", "coco17")
    with pytest.raises(LayoutError, match="no conversion"):
        convert(np.zeros((17, 3)), "coco17", "utd_kinect20")


def test_keypoints_that_do_not_fit_the_source_layout_are_refused():
    with pytest.raises(LayoutError, match="'openpose18' has 18 joints"):
        convert(np.zeros((17, 3), np.float32), "openpose18", "coco17")
