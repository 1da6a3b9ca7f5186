"""A namespaced launch with a user's own params_file: what the file says, the nodes use.

Launch arguments override the file only when the user gives them: here the
file names a video, a checkpoint and a zone radius, and the command line gives
only ``model_path``. The video and the radius must come from the file (before
the fix the empty ``video`` default replaced the file's), the checkpoint from
the argument; everything lives under the namespace.
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
from launch_probe import HAR_LAUNCH, Probe, copy_of, user_params_file  # noqa: E402

from har_ros.action.recognizer import DEFAULT_MODEL  # noqa: E402
from har_ros.assets import asset_path  # noqa: E402

NS = "/cell_a"
VIDEO = copy_of(asset_path("sports2d_demo.mp4"), "from_file.mp4")
FILE_MODEL = copy_of(DEFAULT_MODEL, "from_file.pt")
ARGUMENT_MODEL = copy_of(DEFAULT_MODEL, "from_argument.pt")
RADIUS = 1.234


@pytest.mark.launch_test
def generate_test_description():
    params = user_params_file(
        {
            "video_publisher": {"video": str(VIDEO), "loop": True, "max_frames": 3000},
            "action_node": {"model_path": str(FILE_MODEL)},
            "safety_node": {"robot_zone_radius": RADIUS},
        }
    )
    har = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(HAR_LAUNCH)),
        launch_arguments={
            "with_video": "true",
            "namespace": NS,
            "params_file": str(params),
            "model_path": str(ARGUMENT_MODEL),
        }.items(),
    )
    return LaunchDescription([har, launch_testing.actions.ReadyToTest()])


class TestUserParameters(unittest.TestCase):
    def setUp(self):
        self.probe = Probe(NS)

    def tearDown(self):
        self.probe.close()

    def test_file_values_unless_an_argument_is_given(self):
        probe = self.probe
        assert probe.parameter(f"{NS}/video_publisher", "video") == str(VIDEO)
        assert probe.parameter(f"{NS}/safety_node", "robot_zone_radius") == RADIUS
        assert probe.parameter(f"{NS}/action_node", "model_path") == str(ARGUMENT_MODEL)

    def test_outputs_live_in_the_namespace(self):
        probe = self.probe
        probe.wait_for(
            lambda: any(m.actions for m in probe.actions) and probe.statuses,
            f"people on {NS}/action and a {NS}/safety/status",
        )
        assert probe.speeds


@launch_testing.post_shutdown_test()
class TestShutdown(unittest.TestCase):
    def test_every_process_exits_cleanly(self, proc_info):
        launch_testing.asserts.assertExitCodes(proc_info)
