"""`ros2 launch har_ros har.launch.py with_video:=true`, run for real with launch_testing.

The whole pipeline on the demo video, checked as a user would check it:
/action carries the model's classes for tracked people, speed_scaling keeps
on inside [0, 1], safety/status names its state; every process ends
with 0 when the launch is stopped.
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
from launch_probe import HAR_LAUNCH, Probe, user_params_file  # noqa: E402

from har_msgs.msg import SafetyStatus  # noqa: E402
from har_ros.action.checkpoint import load_checkpoint  # noqa: E402
from har_ros.action.recognizer import DEFAULT_MODEL  # noqa: E402

STATES = {
    SafetyStatus.STATE_STARTUP,
    SafetyStatus.STATE_NORMAL,
    SafetyStatus.STATE_REDUCED,
    SafetyStatus.STATE_PROTECTIVE_STOP,
    SafetyStatus.STATE_FAULT,
}


@pytest.mark.launch_test
def generate_test_description():
    # The demo video loops so the clip cannot end before the checks; max_frames bounds it.
    params = user_params_file({"video_publisher": {"loop": True, "max_frames": 3000}})
    har = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(HAR_LAUNCH)),
        launch_arguments={"with_video": "true", "params_file": str(params)}.items(),
    )
    return LaunchDescription([har, launch_testing.actions.ReadyToTest()])


class TestWhatTheUserSees(unittest.TestCase):
    def setUp(self):
        self.probe = Probe()

    def tearDown(self):
        self.probe.close()

    def test_actions_speed_and_status(self):
        probe = self.probe
        probe.wait_for(
            lambda: any(m.actions for m in probe.actions), "an /action message with people in it"
        )
        probe.spin_for(3.0)
        classes = tuple(load_checkpoint(DEFAULT_MODEL).class_names)
        people = [a for m in probe.actions for a in m.actions]
        assert all(tuple(m.class_names) == classes for m in probe.actions)
        assert all(a.track_id > 0 for a in people)
        assert all(
            a.label in (*classes, "unknown")
            and 0.0 <= a.confidence <= 1.0
            and len(a.scores) == len(classes)
            for a in people
        )
        # Never a silent output: the commands keep coming (50 Hz nominal, how regular on
        # this machine is `har bench safety`'s figure).
        sent = len(probe.speeds)
        probe.spin_until(lambda: len(probe.speeds) >= sent + 50, 30.0, "50 more speed commands")
        assert all(0.0 <= v <= 1.0 for _, v in probe.speeds)
        assert probe.statuses and {m.state for m in probe.statuses} <= STATES
        assert any(m.state != SafetyStatus.STATE_STARTUP for m in probe.statuses)


@launch_testing.post_shutdown_test()
class TestShutdown(unittest.TestCase):
    def test_every_process_exits_cleanly(self, proc_info):
        launch_testing.asserts.assertExitCodes(proc_info)
        assert len(proc_info.process_names()) == 4
