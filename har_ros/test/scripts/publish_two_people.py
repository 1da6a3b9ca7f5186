"""Publishes a fixed two-person SkeletonArray at 20 Hz on the topic given as argv[1]."""

import sys

import numpy as np
import rclpy
from rclpy.executors import ExternalShutdownException

from har_ros.ros.skeleton_msgs import frame_to_msg
from har_ros.skeleton.types import Person, PositionSource, SkeletonFrame


def two_people_frame() -> SkeletonFrame:
    rng = np.random.default_rng(7)
    people = []
    for track_id, x0 in ((3, 100.0), (8, 400.0)):
        kp = np.column_stack(
            [x0 + rng.uniform(0, 80, 17), rng.uniform(50, 400, 17), rng.uniform(0.1, 1.0, 17)]
        ).astype(np.float32)
        kp[4] = 0.0  # a missing joint
        people.append(
            Person(
                keypoints=kp,
                layout="coco17",
                score=0.5 + track_id / 20,
                bbox=(x0, 50.0, x0 + 80.0, 400.0),
                track_id=track_id,
            )
        )
    people[1].position = np.array([1.5, -0.25, 3.0])
    people[1].position_source = PositionSource.DEPTH
    people[1].position_frame_id = "camera_color_optical_frame"
    people[1].keypoints_3d = np.full((17, 3), np.nan, dtype=np.float32)
    people[1].keypoints_3d[0] = (1.5, -1.0, 3.0)
    return SkeletonFrame(
        stamp_ns=1_700_000_000_123_456_789,
        frame_id="camera_color_optical_frame",
        width=640,
        height=480,
        people=people,
    )


def main() -> None:
    from har_msgs.msg import SkeletonArray

    rclpy.init()
    node = rclpy.create_node("two_people_publisher")
    publisher = node.create_publisher(SkeletonArray, sys.argv[1], 10)
    message = frame_to_msg(two_people_frame())
    node.create_timer(0.05, lambda: publisher.publish(message))
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    main()
