"""body_tracker_node in its own process: a driver's body-tracking markers in, skeletons out."""

import math

import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import Point
from sensor_msgs.msg import CameraInfo
from std_msgs.msg import Header
from visualization_msgs.msg import Marker, MarkerArray

from har_msgs.msg import Skeleton, SkeletonArray
from har_ros.ros import qos
from har_ros.ros.graph import spin_until, wait_for_publishers, wait_for_subscribers
from har_ros.ros.hri import TRACKED_TOPIC, body_id, hri_available
from har_ros.ros.stamps import ns_to_stamp, stamp_to_ns

pytestmark = pytest.mark.graph
FRAME = "depth_camera_link"
START_NS = 1_700_000_000_000_000_000


def joints(body: int) -> np.ndarray:
    rng = np.random.default_rng(body)
    return rng.uniform(-0.3, 0.3, (32, 3)) + np.array([0.6 * body, 0.0, 2.5])


def markers(stamp_ns: int, bodies, frame=FRAME, extra=()) -> MarkerArray:
    header = Header(stamp=ns_to_stamp(stamp_ns), frame_id=frame)
    out = [
        Marker(header=header, id=body * 100 + j, type=Marker.SPHERE, action=Marker.ADD)
        for body in bodies
        for j in range(32)
    ]
    for marker, xyz in zip(out, np.concatenate([joints(b) for b in bodies] or [[]]), strict=False):
        marker.pose.position = Point(x=float(xyz[0]), y=float(xyz[1]), z=float(xyz[2]))
    return MarkerArray(markers=out + list(extra))


def test_tracker_markers_become_tracked_depth_skeletons_and_bad_ones_are_counted(
    ros_node, processes, topic_prefix
):
    received: list[SkeletonArray] = []
    diagnostics: list[DiagnosticArray] = []
    sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", received.append, qos.STREAM_QUEUE
    )
    ros_node.create_subscription(DiagnosticArray, "/diagnostics", diagnostics.append, 10)
    marker_pub = ros_node.create_publisher(
        MarkerArray, f"{topic_prefix}/body_tracking_data", qos.STREAM_QUEUE
    )
    info_pub = ros_node.create_publisher(
        CameraInfo, f"{topic_prefix}/depth/camera_info", qos.SENSOR_DATA
    )
    processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        "-p",
        "max_markers:=200",
        module="har_ros.nodes.body_tracker_node",
    )
    tracked = []
    if hri_available():  # REP-155 bodies as the pose node publishes them
        from hri_msgs.msg import IdsList

        ros_node.create_subscription(IdsList, f"{topic_prefix}/{TRACKED_TOPIC}", tracked.append, 10)
    wait_for_publishers(ros_node, sub, timeout=30)
    wait_for_subscribers(ros_node, marker_pub, timeout=30)
    info = CameraInfo(header=Header(frame_id=FRAME), width=640, height=576)
    info.k = [500.0, 0.0, 320.0, 0.0, 500.0, 288.0, 0.0, 0.0, 1.0]
    info.d, info.distortion_model = [0.0] * 5, "plumb_bob"

    def send_until(msg, condition, what):
        marker_pub.publish(msg)
        spin_until(ros_node, condition, timeout=60, what=what)

    info_pub.publish(info)  # best effort: sent again until the node has it, below
    s = [START_NS + i * 66_000_000 for i in range(8)]
    # frame 0 spread over two arrays, one per body; frame 1's markers publish it
    marker_pub.publish(markers(s[0], [3]))
    marker_pub.publish(markers(s[0], [7]))
    send_until(markers(s[1], [3, 7]), lambda: len(received) >= 1, "the first frame")
    first = received[0]
    assert stamp_to_ns(first.header.stamp) == s[0] and first.header.frame_id == FRAME
    assert [sk.track_id for sk in first.skeletons] == [0, 1]
    person = first.skeletons[0]
    assert person.layout == "k4abt32" and len(person.keypoints) == 32
    assert person.position_source == Skeleton.POSITION_DEPTH and person.position_valid
    assert person.position_frame_id == FRAME
    np.testing.assert_allclose(
        [person.position.x, person.position.y, person.position.z], joints(3)[0], atol=1e-5
    )
    assert all(k.has_position for k in person.keypoints)
    if hri_available():
        spin_until(ros_node, lambda: tracked, timeout=60, what="REP-155 tracked bodies")
        assert set(tracked[0].ids) == {body_id(0), body_id(1)}

    # the nominal camera until camera_info comes; then the keypoints are projected through it
    def projected_with_info() -> bool:
        info_pub.publish(info)
        if len(received) > 1 and received[-1].image_width == 640:
            kp = received[-1].skeletons[0].keypoints[0]
            p = kp.position
            return math.isclose(kp.x, 320 + 500 * p.x / p.z, abs_tol=1e-3)
        marker_pub.publish(markers(s[2] + len(received), [3, 7]))
        return False

    spin_until(ros_node, projected_with_info, timeout=60, what="projection by camera_info")
    count = len(received)
    nan = Marker(header=Header(stamp=ns_to_stamp(s[5]), frame_id=FRAME), id=305)
    nan.pose.position.x = float("nan")
    crafted = [
        markers(s[4], [3], extra=[Marker(header=Header(stamp=ns_to_stamp(s[4])), id=-3)]),
        markers(s[4], [4], "rgb_camera_link"),  # the others of its stamp are in FRAME
        markers(s[4], [9] * 7),  # 224 markers: over max_markers
        MarkerArray(markers=[nan, Marker(header=nan.header, id=132)]),
    ]
    for msg in crafted:
        marker_pub.publish(msg)
    send_until(
        MarkerArray(markers=[Marker(action=Marker.DELETEALL)]),
        lambda: len(received) > count + 1,
        "frames after the crafted arrays",
    )
    assert all(len(m.skeletons) <= 2 for m in received[count:])
    send_until(MarkerArray(), lambda: any(not m.skeletons for m in received[count:]), "nobody")

    def counted() -> bool:
        for array in diagnostics:
            for status in array.status:
                if status.name.endswith("body tracking"):
                    values = {kv.key: kv.value for kv in status.values}
                    if values.get("too_many_markers") == "1":
                        return values
        return False

    spin_until(ros_node, counted, timeout=60, what="diagnostics with the counts")
    values = counted()
    assert int(values["rejected_id_outside_convention"]) >= 1
    assert int(values["rejected_mixed_frame"]) == 32
    assert int(values["rejected_bad_joint"]) == 1
