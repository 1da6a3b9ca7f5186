"""`ros2 launch har_ros cell.launch.py`, run for real with launch_testing.

The shipped Pose2Sim cell: rig_publisher replays the four calibrated videos
on /clock, four namespaced pose nodes, person_fusion, action and safety
nodes, all started from the cell YAML; the user sees fused people on
/skeletons, all cameras live on /coverage, a speed decision on
safety/status and the cameras in TF; every process ends with 0.
"""

import unittest

import pytest
from launch_probe import require_launch_testing

require_launch_testing()

import launch_testing  # noqa: E402
import launch_testing.actions  # noqa: E402
import launch_testing.asserts  # noqa: E402
from launch import LaunchDescription  # noqa: E402
from launch.actions import IncludeLaunchDescription  # noqa: E402
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402
from launch_probe import Probe, user_params_file  # noqa: E402

from har_msgs.msg import CameraCoverage, SafetyStatus, SkeletonArray  # noqa: E402
from har_ros.resources import share_file  # noqa: E402

CELL_LAUNCH = share_file("launch", "cell.launch.py")


@pytest.mark.launch_test
def generate_test_description():
    params = user_params_file({"rig_publisher": {"max_frames": 200, "width": 360}})
    cell = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(CELL_LAUNCH)),
        launch_arguments={
            "params_file": str(params),
            "replay_loop": "true",
            "frame_step": "2",
        }.items(),
    )
    return LaunchDescription([cell, launch_testing.actions.ReadyToTest()])


class TestTheCell(unittest.TestCase):
    def setUp(self):
        self.probe = Probe()
        self.fused, self.coverage = [], []
        self.probe.node.create_subscription(SkeletonArray, "/skeletons", self.fused.append, 100)
        self.probe.node.create_subscription(CameraCoverage, "/coverage", self.coverage.append, 100)

    def tearDown(self):
        self.probe.close()

    def test_fused_people_coverage_and_a_decision(self):
        probe = self.probe
        probe.wait_for(
            lambda: sum(len(m.skeletons) == 2 for m in self.fused) >= 10,
            "fused frames with the two people",
        )
        assert all(m.header.frame_id == "cell" for m in self.fused)
        ids = {s.track_id for m in self.fused for s in m.skeletons}
        assert 2 <= len(ids) <= 4, ids
        assert list(self.coverage[-1].cameras) == ["cam01", "cam02", "cam03", "cam04"]
        probe.spin_until(lambda: all(self.coverage[-1].live), 30.0, "every camera live")
        probe.spin_until(
            lambda: any(m.state != SafetyStatus.STATE_STARTUP for m in probe.statuses),
            30.0,
            "the safety node deciding",
        )
        from rclpy.time import Time
        from tf2_ros import Buffer, TransformListener

        buffer = Buffer()
        TransformListener(buffer, probe.node)
        probe.spin_until(
            lambda: buffer.can_transform("cell", "cam03_optical_frame", Time()),
            10.0,
            "the cameras' static transforms",
        )


@launch_testing.post_shutdown_test()
class TestShutdown(unittest.TestCase):
    def test_every_process_exits_cleanly(self, proc_info):
        launch_testing.asserts.assertExitCodes(proc_info)
        assert len(proc_info.process_names()) == 8  # rig, 4 pose, fusion, action, safety
