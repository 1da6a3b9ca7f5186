"""REP-155 output of one node over real DDS: what a ROS4HRI tool receives, and no leak."""

import numpy as np
import pytest

from har_ros.ros.graph import spin_until, wait_for_publishers
from har_ros.ros.hri import TRACKED_TOPIC, HriBodiesOutput, body_id, body_topic, hri_available
from har_ros.skeleton.types import Person, PositionSource, SkeletonFrame

pytestmark = [
    pytest.mark.graph,
    pytest.mark.skipif(
        not hri_available(), reason="hri_msgs not built (../shared/ros2_extras absent)"
    ),
]


def _frame(stamp_ns: int, *track_ids: int) -> SkeletonFrame:
    keypoints = np.tile([[320.0, 180.0, 0.9]], (17, 1)).astype(np.float32)
    people = [
        Person(
            keypoints,
            "coco17",
            0.8,
            (300, 100, 340, 300),
            track_id=t,
            position=np.array([1.0, 2.0, 0.0]),
            position_source=PositionSource.FLOOR,
            position_frame_id="floor",
        )
        for t in track_ids
    ]
    return SkeletonFrame(stamp_ns, "camera", 640, 360, people)


def test_body_ids_are_topic_tokens():
    assert body_id(7) == "b7" and body_topic("b7", "roi") == "humans/bodies/b7/roi"


def test_tracked_skeleton2d_and_roi_arrive_as_a_ros4hri_tool_reads_them(ros_node):
    from hri_msgs.msg import IdsList, NormalizedRegionOfInterest2D, Skeleton2D

    output = HriBodiesOutput(ros_node, expiry_s=1.0)
    tracked, skeletons, rois = [], [], []
    sub = ros_node.create_subscription(IdsList, TRACKED_TOPIC, tracked.append, 10)
    wait_for_publishers(ros_node, sub)
    output.publish(_frame(1, 4), now_s=0.0)  # creates b4's publishers
    skeleton_sub = ros_node.create_subscription(
        Skeleton2D, body_topic("b4", "skeleton2d"), skeletons.append, 10
    )
    roi_sub = ros_node.create_subscription(
        NormalizedRegionOfInterest2D, body_topic("b4", "roi"), rois.append, 10
    )
    wait_for_publishers(ros_node, skeleton_sub)
    wait_for_publishers(ros_node, roi_sub)
    output.publish(_frame(2, 4), now_s=0.1)
    output.publish(_frame(3), now_s=0.2)  # nobody: an empty list, not silence
    spin_until(ros_node, lambda: len(tracked) >= 3 and skeletons and rois, 10, "REP-155 output")
    assert [list(m.ids) for m in tracked] == [["b4"], ["b4"], []]
    assert [m.header.stamp.nanosec for m in tracked] == [1, 2, 3]
    points = skeletons[-1].skeleton
    assert len(points) == 18 and points[Skeleton2D.NOSE].x == pytest.approx(0.5)
    assert points[Skeleton2D.NECK].y == pytest.approx(0.5) and points[Skeleton2D.NECK].c > 0
    roi = rois[-1]
    assert (roi.xmin, roi.ymin, roi.xmax, roi.ymax) == pytest.approx(
        (300 / 640, 100 / 360, 340 / 640, 300 / 360)
    )


def test_hundreds_of_short_lived_bodies_leave_no_publishers_behind(ros_node):
    output = HriBodiesOutput(ros_node, expiry_s=0.5)
    before = len(list(ros_node.publishers))
    for step in range(300):  # a new body every 0.1 s, each seen once
        output.publish(_frame(step + 1, 1000 + step), now_s=step * 0.1)
    assert output.body_count == 6  # those seen within the last 0.5 s
    assert len(list(ros_node.publishers)) == before + 2 * 6
    output.publish(_frame(400), now_s=100.0)
    assert output.body_count == 0 and len(list(ros_node.publishers)) == before
