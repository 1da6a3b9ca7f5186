"""`ros2 launch har_ros har.launch.py nodes:=body_tracker,action,safety`: no pose node.

A synthetic two-person bag of a camera's own body tracking (the Azure Kinect
driver's MarkerArray, on the driver's namespaced topics) is replayed with
`har replay --clock` into the launched body_tracker, action and safety nodes,
the tracker's topics remapped by the launch arguments: skeletons come out,
both people get actions, the safety node places
them by their depth positions and commands a speed, and every process exits
with 0.
"""

import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import pytest
from launch_probe import require_launch_testing

require_launch_testing()

import launch_testing  # noqa: E402
import launch_testing.actions  # noqa: E402
import launch_testing.asserts  # noqa: E402
from launch import LaunchDescription  # noqa: E402
from launch.actions import ExecuteProcess, IncludeLaunchDescription  # noqa: E402
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402
from launch_probe import HAR_LAUNCH, Probe, replay_exited  # noqa: E402

from har_msgs.msg import SafetyStatus  # noqa: E402
from har_ros.action.synth import make_stream  # noqa: E402
from har_ros.bags.scenario import write_body_tracking_bag  # noqa: E402

SECONDS, FPS = 10.0, 30.0
BAG = Path(tempfile.mkdtemp(prefix="har_launch_")) / "tracker"
DRIVER = "/k4a"  # the driver's namespace: the bag is replayed into it


@pytest.mark.launch_test
def generate_test_description():
    write_body_tracking_bag(make_stream(people=2, seconds=SECONDS, seed=5031), FPS, BAG)
    har = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(HAR_LAUNCH)),
        launch_arguments={
            "nodes": "body_tracker,action,safety",
            "use_sim_time": "true",
            "body_tracking": f"{DRIVER}/body_tracking_data",
            "body_camera_info": f"{DRIVER}/depth/camera_info",
        }.items(),
    )
    replay = ExecuteProcess(
        cmd=[
            sys.executable,
            "-m",
            "har_ros.cli.main",
            "replay",
            str(BAG),
            "--clock",
            "--wait",
            "30",
            "--remap-prefix",
            DRIVER,
        ],
        name="har_replay",
        output="screen",
    )
    return LaunchDescription([har, replay, launch_testing.actions.ReadyToTest()])


class TestBodyTrackingPipeline(unittest.TestCase):
    def setUp(self):
        self.probe = Probe()

    def tearDown(self):
        self.probe.close()

    def test_tracker_skeletons_give_actions_and_a_speed_command(self, proc_info):
        probe = self.probe
        probe.spin_until(lambda: replay_exited(proc_info), SECONDS + 60.0, "the end of the replay")
        probe.spin_for(1.5)
        # the probe may join after the replay began; body_tracker_node's output is complete
        # (test_through_node.py compares it frame by frame)
        assert probe.skeleton_arrays >= 0.5 * SECONDS * FPS, probe.skeleton_arrays
        assert {a.track_id for m in probe.actions for a in m.actions} == {0, 1}
        running = [m for m in probe.statuses if m.state != SafetyStatus.STATE_STARTUP]
        assert running, "the safety node never left startup on the tracker's skeletons"
        placed = [m for m in running if np.isfinite(m.min_separation)]
        assert placed and {m.nearest_track_id for m in placed} <= {0, 1}
        assert probe.speeds and all(0.0 <= v <= 1.0 for _, v in probe.speeds)


@launch_testing.post_shutdown_test()
class TestShutdown(unittest.TestCase):
    def test_every_process_exits_cleanly(self, proc_info):
        launch_testing.asserts.assertExitCodes(proc_info)
        assert len(proc_info.process_names()) == 4
