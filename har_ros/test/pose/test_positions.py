"""3D positions from depth and floor positions from a calibration."""

import numpy as np
import pytest

from har_ros.pose.positions import (
    Intrinsics,
    depth_position,
    depth_to_metres,
    floor_position,
    homography_from_camera,
)

K = Intrinsics(fx=500.0, fy=500.0, cx=320.0, cy=240.0)


def synthetic_scene(distance_m: float, centre_x_m: float):
    """A person-shaped slab at ``distance_m`` in front of a wall at 6 m (16UC1 mm)."""
    depth = np.full((480, 640), 6000, np.uint16)
    u0 = int(K.cx + centre_x_m * K.fx / distance_m)
    depth[100:420, u0 - 40 : u0 + 40] = int(distance_m * 1000)
    depth[::7, ::5] = 0  # dropouts, as real sensors have
    rng = np.random.default_rng(0)
    kp = np.column_stack(
        [rng.uniform(u0 - 35, u0 + 35, 17), rng.uniform(110, 410, 17), np.full(17, 0.9)]
    ).astype(np.float32)
    kp[0, :2] = (u0 + 120, 200)  # one joint off the body, on the wall
    return depth, kp


@pytest.mark.parametrize("distance, lateral", [(2.0, 0.0), (3.5, 0.5), (1.2, -0.3)])
def test_depth_gives_the_person_distance_within_5_percent(distance, lateral):
    depth, kp = synthetic_scene(distance, lateral)
    position, per_joint = depth_position(kp, depth_to_metres(depth), K)
    assert position[2] == pytest.approx(distance, rel=0.05)
    assert position[0] == pytest.approx(lateral, abs=0.05 * distance)
    assert per_joint.shape == (17, 3)


def test_too_few_joints_with_depth_gives_no_position():
    depth = np.zeros((480, 640), np.uint16)  # no valid depth at all
    kp = np.column_stack([np.full(17, 300.0), np.full(17, 200.0), np.full(17, 0.9)])
    position, per_joint = depth_position(kp, depth_to_metres(depth), K)
    assert position is None and np.isnan(per_joint).all()


def test_float_depth_nan_and_zero_are_invalid():
    metres = depth_to_metres(np.array([[1.5, 0.0], [np.nan, np.inf]], np.float32))
    assert metres[0, 0] == 1.5 and np.isnan(metres[0, 1]) and np.isnan(metres[1]).all()


def test_floor_position_from_a_calibrated_camera():
    # Camera 2 m above the floor looking straight down the world z axis at x, y.
    rotation = np.diag([1.0, -1.0, -1.0])
    translation = np.array([0.0, 0.0, 2.0])
    h = homography_from_camera(K, rotation, translation)
    world = np.array([0.5, -0.4, 0.0])
    cam = rotation @ world + translation
    u, v = K.fx * cam[0] / cam[2] + K.cx, K.fy * cam[1] / cam[2] + K.cy
    kp = np.zeros((17, 3), np.float32)
    kp[15] = kp[16] = (u, v, 0.9)  # both ankles
    np.testing.assert_allclose(floor_position(kp, (0, 0, 1, 1), "coco17", h), world, atol=1e-9)
