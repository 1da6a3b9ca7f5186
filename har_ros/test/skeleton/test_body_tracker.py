"""Body-tracker markers -> frames of tracked 3D skeletons, as real trackers send them."""

import numpy as np
import pytest

from har_ros.skeleton.body_tracker import (
    ADD,
    DELETE,
    DELETEALL,
    MAX_PENDING,
    BodyFrameAssembler,
    CameraModel,
    JointMarker,
    TrackIds,
    body_person,
    skeleton_frame,
)
from har_ros.skeleton.layouts import K4ABT32
from har_ros.skeleton.types import PositionSource

FRAME = "depth_camera_link"
K = [[500.0, 0, 320], [0, 500.0, 288], [0, 0, 1]]


def body_markers(body: int, stamp: int, origin=(0.0, 0.0, 2.0), frame=FRAME, joints=range(32)):
    """A standing body's joints around ``origin``, as the driver's markers."""
    rng = np.random.default_rng(body)
    offsets = rng.uniform(-0.3, 0.3, (32, 3))
    return [
        JointMarker(stamp, frame, body * 100 + j, ADD, tuple(np.add(origin, offsets[j])))
        for j in joints
    ]


def test_markers_of_one_stamp_are_one_frame_over_several_arrays():
    assembler = BodyFrameAssembler()
    assert assembler.add(body_markers(1, 100), 0.0, 0) == []  # may not be complete yet
    assert assembler.add(body_markers(2, 100), 0.001, 0) == []
    frames = assembler.add(body_markers(1, 200), 0.033, 0)  # a newer stamp completes it
    assert [f.stamp_ns for f in frames] == [100]
    assert sorted(frames[0].bodies) == [1, 2] and frames[0].frame_id == FRAME
    assert np.isfinite(frames[0].bodies[1]).all()
    assert [f.stamp_ns for f in assembler.flush()] == [200]


def test_a_quiet_frame_is_due_and_late_markers_never_make_a_second_frame():
    assembler = BodyFrameAssembler()
    assembler.add(body_markers(1, 100), 10.0, 0)
    assert assembler.due(10.005, quiet_s=0.01) == []
    assert [f.stamp_ns for f in assembler.due(10.02, quiet_s=0.01)] == [100]
    assert assembler.add(body_markers(2, 100), 10.03, 0) == []
    assert assembler.flush() == []
    assert assembler.rejected["late"] == 32


def test_an_array_without_joints_is_a_frame_with_nobody():
    assembler = BodyFrameAssembler()
    assembler.add(body_markers(1, 100), 0.0, 130)  # received 30 ns after its stamp
    frames = assembler.add([JointMarker(150, "", 0, DELETEALL, (0, 0, 0))], 0.01, 999)
    assert [(f.stamp_ns, len(f.bodies)) for f in frames] == [(100, 1)]
    assert [(f.stamp_ns, f.bodies, f.frame_id) for f in assembler.flush()] == [(150, {}, FRAME)]
    # an empty array: nobody, at the time it came less the tracker's usual delay, so the
    # next frame (stamped as the tracker stamps) is not "late"
    assembler.add([], 0.02, 330)
    assert [(f.stamp_ns, f.bodies) for f in assembler.flush()] == [(300, {})]
    assembler.add(body_markers(1, 310), 0.03, 340)
    assert [f.stamp_ns for f in assembler.flush()] == [310] and not assembler.rejected["late"]
    # the driver's clear-then-add in one array is a frame of its bodies
    assembler.add([JointMarker(0, "", 0, DELETEALL, (0, 0, 0)), *body_markers(4, 400)], 0.04, 430)
    assert [sorted(f.bodies) for f in assembler.flush()] == [[4]]
    # joints that were all refused are not "nobody": no frame at all
    assembler.add(body_markers(4, 0), 0.05, 530)
    assert assembler.flush() == [] and assembler.rejected["bad_stamp"] == 32


def test_what_real_trackers_send_wrong_is_counted_and_never_raises():
    assembler = BodyFrameAssembler()
    markers = body_markers(1, 100)
    markers[3] = JointMarker(100, FRAME, 103, ADD, (np.nan, 0.0, 1.0))
    markers[4] = JointMarker(100, FRAME, 104, ADD, (np.inf, 0.0, 1.0))
    markers += [
        JointMarker(100, FRAME, 132, ADD, (0, 0, 1)),  # joint 32 of a 32-joint layout
        JointMarker(100, FRAME, -5, ADD, (0, 0, 1)),
        JointMarker(100, "rgb_camera_link", 200, ADD, (0, 0, 1)),
        JointMarker(100, FRAME, 205, DELETE, (0, 0, 0)),
        JointMarker(100, FRAME, 206, 7, (0, 0, 0)),
    ]
    assembler.add(markers, 0.0, 0)
    (frame,) = assembler.flush()
    assert sorted(frame.bodies) == [1]  # body 2's one marker was in another frame
    assert np.isnan(frame.bodies[1][[3, 4]]).all() and np.isfinite(frame.bodies[1][5]).all()
    assert assembler.rejected == {
        "bad_joint": 2,
        "id_outside_convention": 2,
        "unknown_action": 1,
        "mixed_frame": 1,
        "delete": 1,
    }
    assert "in frame 'rgb_camera_link'" in assembler.last_problem
    assembler.add([JointMarker(200, FRAME, 132, ADD, (0, 0, 1))], 1.0, 0)
    assert "not body_id * 100 + a joint of k4abt32 (0..31)" in assembler.last_problem


def test_a_future_stamp_is_refused_and_a_restarted_source_starts_afresh():
    assembler = BodyFrameAssembler(restart_s=1.0)
    assembler.add(body_markers(1, 5 * 10**9), 0.0, 0)
    # one crafted far-future marker would make every later frame "late"
    assert assembler.add(body_markers(9, 10**18), 0.01, 0, latest_stamp_ns=6 * 10**9) == []
    assert assembler.rejected["future_stamp"] == 32
    frames = assembler.add(body_markers(1, 5 * 10**9 + 10**8), 0.1, 0, 6 * 10**9)
    assert [f.stamp_ns for f in frames] == [5 * 10**9]
    # a replay looping back to its start: not late for ever, a new timeline
    frames = assembler.add(body_markers(1, 10**9), 0.2, 0, 6 * 10**9)
    assert [f.stamp_ns for f in frames] == [5 * 10**9 + 10**8] and assembler.restarts == 1
    assert [f.stamp_ns for f in assembler.flush()] == [10**9]
    assert assembler.rejected["late"] == 0
    assembler.add(body_markers(1, 2 * 10**9), 0.3, 0)
    assembler.reset()  # after a failure: nothing half-grouped stays; counts and order do
    assert assembler.flush() == [] and assembler.rejected["future_stamp"] == 32
    assembler.add(body_markers(1, 10**9 // 2 + 10**9), 0.4, 0)
    assert [f.stamp_ns for f in assembler.flush()] == [10**9 // 2 + 10**9]


def test_one_old_marker_among_current_ones_is_late_not_a_restart():
    assembler = BodyFrameAssembler(restart_s=1.0)
    assembler.add(body_markers(1, 5 * 10**9), 0.0, 0)
    assembler.add(body_markers(1, 6 * 10**9), 0.1, 0)  # frame 5 s out
    stray = JointMarker(10**9, FRAME, 205, ADD, (0.0, 0.0, 2.0))
    frames = assembler.add([*body_markers(2, 6 * 10**9), stray], 0.11, 0)
    assert frames == [] and assembler.restarts == 0 and assembler.rejected["late"] == 1
    (frame,) = assembler.add(body_markers(1, 7 * 10**9), 0.2, 0)
    assert frame.stamp_ns == 6 * 10**9 and sorted(frame.bodies) == [1, 2]  # once, whole


def test_floods_are_bounded_and_far_joints_are_not_joints():
    assembler = BodyFrameAssembler(max_bodies=3)
    crowd = [m for b in range(5) for m in body_markers(b, 100)]
    assembler.add(crowd, 0.0, 0)
    assert [len(f.bodies) for f in assembler.flush()] == [3]
    assert assembler.rejected["too_many_bodies"] == 64
    many = [JointMarker(1000 + i, FRAME, 100, ADD, (0.0, 0.0, 2.0)) for i in range(40)]
    assembler.add(many, 0.1, 0)
    assert assembler.rejected["too_many_stamps"] == 40 - MAX_PENDING
    far = [JointMarker(5000, FRAME, 700 + j, ADD, (1e33, 0.0, 1e-3)) for j in range(32)]
    assembler.add(far, 0.2, 0)
    assert all(7 not in f.bodies for f in assembler.flush())  # no usable joint: no body
    assert assembler.rejected["bad_joint"] == 32


def test_a_tracker_body_id_back_after_a_while_is_a_new_person():
    ids = TrackIds(forget_s=0.5)
    assert ids.assign([7, 9], 0.0) == {7: 0, 9: 1}
    assert ids.assign([7], 0.4) == {7: 0}
    assert ids.assign([9], 1.0) == {9: 2}  # unseen for 1 s: the id was reused
    assert ids.assign([7], 0.9) == {7: 3}  # time went back: a replay started again
    ids.forget_all()
    assert ids.assign([9], 1.0) == {9: 4} and len(ids) == 1
    few = TrackIds(forget_s=10.0, capacity=3)
    for body in range(100):  # a stream of ever new body ids: memory stays bounded
        few.assign([body, 0], 1.0 + body * 1e-9)
    assert len(few) == 3 and few.assign([0], 2.0) == {0: 0}  # the busy one is kept
    with pytest.raises(ValueError):
        TrackIds(-1.0)


def test_projection_is_the_camera_infos_pinhole_and_refuses_bad_intrinsics():
    camera = CameraModel.from_camera_info(K, [0.0] * 5, 640, 576, "plumb_bob")
    pixels = camera.project(np.array([[0.2, -0.1, 2.0], [0.0, 0.0, -1.0], [np.nan, 0, 1]]))
    np.testing.assert_allclose(pixels[0], [320 + 500 * 0.1, 288 - 500 * 0.05])
    assert np.isnan(pixels[1:]).all()  # behind the camera; missing
    grazing = camera.project(np.array([[1.0, 0.0, 0.011]]))  # 45,000 px off a 640 px image
    assert np.isnan(grazing).all()
    distorted = CameraModel.from_camera_info(K, [0.1, 0, 0, 0, 0, 0, 0, 0], 640, 576)
    assert distorted.project(np.array([[0.5, 0.0, 1.0]]))[0, 0] > 320 + 250  # barrel: outwards
    for k, d, size, model, why in [
        ([[0, 0, 0], [0, 0, 0], [0, 0, 1]], [], (640, 576), "", "fx, fy"),
        (K, [], (0, 576), "", "size"),
        (K, [1, 2, 3], (640, 576), "", "3 coefficients"),
        (K, [0.1, 0, 0, 0], (640, 576), "equidistant", "equidistant"),
        ([[500.0, 0, 1e6], [0, 500.0, 288], [0, 0, 1]], [], (640, 576), "", "principal point"),
        ([[1e30, 0, 320], [0, 1e30, 288], [0, 0, 1]], [], (640, 576), "", "fx, fy"),
        (K, [1e9, 0, 0, 0, 0], (640, 576), "", "coefficients"),
    ]:
        with pytest.raises(ValueError, match=why):
            CameraModel.from_camera_info(k, d, *size, model)


def test_a_body_is_a_depth_person_with_its_3d_joints_and_a_documented_score():
    camera = CameraModel.from_camera_info(K, [], 640, 576)
    xyz = np.array([m.position for m in body_markers(3, 0)])
    xyz[K4ABT32.index("left_wrist")] = np.nan
    person = body_person(xyz, 12, camera, FRAME, joint_score=0.9)
    assert person.layout == "k4abt32" and person.track_id == 12
    assert person.position_source == PositionSource.DEPTH and person.position_frame_id == FRAME
    np.testing.assert_array_equal(person.position, xyz[0])  # the pelvis
    assert person.keypoints[7, 2] == 0 and np.isnan(person.keypoints_3d[7]).all()
    assert np.all(person.keypoints[np.arange(32) != 7, 2] == pytest.approx(0.9))
    assert person.score == pytest.approx(0.9 * 31 / 32)
    x0, y0, x1, y1 = person.bbox
    assert x0 <= person.keypoints[0, 0] <= x1 and y0 <= person.keypoints[0, 1] <= y1
    xyz[0] = np.nan  # no pelvis: the median of the joints
    np.testing.assert_allclose(
        body_person(xyz, 12, camera, FRAME, 0.9).position,
        np.median(xyz[np.isfinite(xyz).all(axis=1)], axis=0),
    )


def test_a_frame_keeps_only_bodies_with_a_joint_and_has_the_camera_size():
    assembler = BodyFrameAssembler()
    bad = [JointMarker(100, FRAME, 500 + j, ADD, (np.nan,) * 3) for j in range(32)]
    assembler.add(body_markers(1, 100) + bad, 0.0, 0)
    (frame,) = assembler.flush()
    camera = CameraModel.from_camera_info(K, [], 640, 576)
    out = skeleton_frame(frame, {1: 0, 5: 1}, camera, 1.0)
    assert (out.width, out.height, out.frame_id, out.stamp_ns) == (640, 576, FRAME, 100)
    assert [p.track_id for p in out.people] == [0]
