"""Graph test: a SkeletonArray crosses from one OS process to another over real DDS."""

import numpy as np

from har_msgs.msg import SkeletonArray
from har_ros.ros.graph import spin_until, wait_for_publishers
from har_ros.ros.skeleton_msgs import msg_to_frame
from har_ros.skeleton.types import PositionSource


def test_two_people_cross_process_every_field(ros_node, processes, topic_prefix, load_script):
    topic = f"{topic_prefix}/skeletons"
    received = []
    sub = ros_node.create_subscription(SkeletonArray, topic, received.append, 10)
    publisher = processes.start(topic, script="publish_two_people.py")
    wait_for_publishers(ros_node, sub, timeout=15.0)
    spin_until(ros_node, lambda: received, timeout=10.0, what="a SkeletonArray")
    assert publisher.poll() is None

    msg = received[0]
    expected = load_script("publish_two_people.py").two_people_frame()
    assert msg.header.stamp.sec == 1_700_000_000 and msg.header.stamp.nanosec == 123_456_789
    assert msg.header.frame_id == expected.frame_id
    assert (msg.image_width, msg.image_height) == (640, 480)
    frame = msg_to_frame(msg)
    assert frame.stamp_ns == expected.stamp_ns
    assert [p.track_id for p in frame.people] == [3, 8]
    for got, want in zip(frame.people, expected.people, strict=True):
        assert got.layout == "coco17"
        np.testing.assert_allclose(got.keypoints, want.keypoints, rtol=1e-6)
        assert got.score == np.float32(want.score)
        assert got.bbox == want.bbox
    first, second = frame.people
    assert first.position is None and first.position_source == PositionSource.NONE
    assert first.keypoints_3d is None
    np.testing.assert_allclose(second.position, [1.5, -0.25, 3.0])
    assert second.position_source == PositionSource.DEPTH
    assert second.position_frame_id == "camera_color_optical_frame"
    np.testing.assert_allclose(second.keypoints_3d[0], [1.5, -1.0, 3.0])
    assert np.isnan(second.keypoints_3d[1:]).all()
    skel = msg.skeletons[1]
    assert skel.keypoints[0].has_position and not skel.keypoints[1].has_position
    assert (skel.bbox.x_offset, skel.bbox.y_offset, skel.bbox.width, skel.bbox.height) == (
        400,
        50,
        80,
        350,
    )
