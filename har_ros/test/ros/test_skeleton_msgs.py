"""SkeletonFrame <-> har_msgs/SkeletonArray, fuzzed through real CDR serialisation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from rclpy.serialization import deserialize_message, serialize_message

from har_msgs.msg import Keypoint, SkeletonArray
from har_ros.ros.skeleton_msgs import frame_to_msg, msg_position, msg_to_frame
from har_ros.skeleton.types import Person, PositionSource, SkeletonFrame

any_float = st.floats(allow_nan=True, allow_infinity=True, width=32)
finite = st.floats(-1e6, 1e6, width=32)
# ROS strings are NUL-free UTF-8 (so no lone surrogates either)
names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8
)


@st.composite
def people(draw, joints):
    keypoints = draw(arrays(np.float32, (joints, 3), elements=any_float))
    has_3d = draw(st.booleans())
    source = draw(st.sampled_from(list(PositionSource)))
    return Person(
        keypoints=keypoints,
        layout=draw(st.sampled_from(["coco17", "openpose18", "my_rig"])),
        score=draw(finite),
        bbox=tuple(draw(st.lists(any_float, min_size=4, max_size=4))),
        track_id=draw(st.integers(-(2**31), 2**31 - 1)),
        position=draw(arrays(np.float64, 3, elements=finite)) if source else None,
        position_source=source,
        position_frame_id=draw(names),
        keypoints_3d=draw(arrays(np.float32, (joints, 3), elements=any_float)) if has_3d else None,
    )


@st.composite
def frames(draw):
    joints = draw(st.integers(1, 33))
    return SkeletonFrame(
        stamp_ns=draw(st.integers(0, (2**31 - 1) * 10**9)),
        frame_id=draw(names),
        width=draw(st.integers(1, 4096)),
        height=draw(st.integers(1, 4096)),
        people=draw(st.lists(people(joints), max_size=4)),
    )


@settings(max_examples=150, deadline=None)
@given(frames())
def test_round_trip_through_the_wire_keeps_every_value(frame):
    wire = serialize_message(frame_to_msg(frame))
    back = msg_to_frame(deserialize_message(wire, SkeletonArray))
    assert (back.stamp_ns, back.frame_id, back.width, back.height) == (
        frame.stamp_ns,
        frame.frame_id,
        frame.width,
        frame.height,
    )
    assert len(back.people) == len(frame.people)
    for sent, got in zip(frame.people, back.people, strict=True):
        assert got.keypoints.shape == sent.keypoints.shape and got.keypoints.dtype == np.float32
        np.testing.assert_array_equal(got.keypoints, sent.keypoints)  # NaN == NaN here
        assert (got.track_id, got.layout) == (sent.track_id, sent.layout)
        x0, y0, x1, y1 = got.bbox  # always a valid box inside the image
        assert 0 <= x0 <= x1 <= frame.width and 0 <= y0 <= y1 <= frame.height
        if sent.position_source == PositionSource.NONE:
            assert got.position is None
        else:
            np.testing.assert_array_equal(got.position, sent.position)
            assert got.position_source == sent.position_source
        if sent.keypoints_3d is not None and np.isfinite(sent.keypoints_3d).all(axis=1).any():
            finite_rows = np.isfinite(sent.keypoints_3d).all(axis=1)
            np.testing.assert_array_equal(
                got.keypoints_3d[finite_rows], sent.keypoints_3d[finite_rows]
            )
            assert np.isnan(got.keypoints_3d[~finite_rows]).all()
        else:
            assert got.keypoints_3d is None


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(any_float, any_float, any_float), max_size=40),
    st.integers(0, 255),
    st.booleans(),
)
def test_any_received_skeleton_converts_without_crashing(points, source, valid):
    msg = frame_to_msg(
        SkeletonFrame(
            0, "cam", 640, 480, [Person(np.zeros((1, 3), np.float32), "coco17", 0.5, (0, 0, 1, 1))]
        )
    )
    skeleton = msg.skeletons[0]
    skeleton.keypoints = [Keypoint(x=x, y=y, score=score) for x, y, score in points]
    skeleton.position_source, skeleton.position_valid = source, valid
    person = msg_to_frame(msg).people[0]
    assert person.keypoints.shape == (len(points), 3)
    if person.position is not None:
        assert person.position_source != PositionSource.NONE and valid
        assert person.position_source == source
    assert not math.isnan(person.score)


@pytest.mark.parametrize(
    "valid, source, expected",
    [
        (True, PositionSource.DEPTH, PositionSource.DEPTH),
        (True, PositionSource.FLOOR, PositionSource.FLOOR),
        (True, PositionSource.TRIANGULATED, PositionSource.TRIANGULATED),
        (True, PositionSource.NONE, None),  # flagged valid but from nowhere: no position
        (True, 7, None),  # a source this version does not know
        (False, PositionSource.FLOOR, None),
    ],
)
def test_a_position_counts_only_when_valid_and_from_a_known_source(valid, source, expected):
    skeleton = frame_to_msg(
        SkeletonFrame(
            0, "cam", 640, 480, [Person(np.zeros((17, 3), np.float32), "coco17", 0.5, (0, 0, 1, 1))]
        )
    ).skeletons[0]
    skeleton.position.x, skeleton.position.y, skeleton.position.z = 1.0, 2.0, 3.0
    skeleton.position_valid, skeleton.position_source = valid, int(source)
    located = msg_position(skeleton)
    if expected is None:
        assert located is None
    else:
        np.testing.assert_array_equal(located[0], [1.0, 2.0, 3.0])
        assert located[1] == expected
