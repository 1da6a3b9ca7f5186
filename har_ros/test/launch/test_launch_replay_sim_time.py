"""`ros2 launch har_ros har.launch.py nodes:=action,safety use_sim_time:=true` fed by a bag.

A synthetic two-person scenario bag is replayed with `har replay --clock` into
the launched action and safety nodes: the actions match the bag's labels, the
safety node's clock follows the bag's /clock (sim time), and every process
(the replay included) exits with 0.
"""

import sys
import tempfile
import unittest
from pathlib import Path

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

from har_ros.action.labels import label_at, read_labels  # noqa: E402
from har_ros.action.synth import make_stream  # noqa: E402
from har_ros.bags.scenario import START_NS, write_skeleton_scenario  # noqa: E402
from har_ros.ros.stamps import stamp_to_ns  # noqa: E402

SECONDS = 20.0
BAG = Path(tempfile.mkdtemp(prefix="har_launch_")) / "scenario"


@pytest.mark.launch_test
def generate_test_description():
    write_skeleton_scenario(make_stream(people=2, seconds=SECONDS, seed=77), 30.0, BAG)
    har = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(HAR_LAUNCH)),
        launch_arguments={"nodes": "action,safety", "use_sim_time": "true"}.items(),
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
        ],
        name="har_replay",
        output="screen",
    )
    return LaunchDescription([har, replay, launch_testing.actions.ReadyToTest()])


class TestReplayInSimTime(unittest.TestCase):
    def setUp(self):
        self.probe = Probe()

    def tearDown(self):
        self.probe.close()

    def test_actions_follow_the_bag_and_its_clock(self, proc_info):
        probe = self.probe
        probe.spin_until(lambda: replay_exited(proc_info), SECONDS + 60.0, "the end of the replay")
        probe.spin_for(1.0)
        truth = read_labels(BAG / "labels.csv")
        correct = total = 0
        for msg in probe.actions:
            for a in msg.actions:
                mid = (stamp_to_ns(a.window_start) + stamp_to_ns(a.window_end)) * 0.5e-9
                label = label_at(truth, a.track_id, mid)
                if label is None or label != label_at(
                    truth, a.track_id, stamp_to_ns(a.window_end) * 1e-9
                ):
                    continue  # a window across an action boundary has no single truth
                total += 1
                correct += a.label == label
        assert total > 30 and correct / total >= 0.8, f"accuracy {correct}/{total}"
        # The safety node stamps its status with its own clock: the bag's, not the wall's.
        bag_end = START_NS + int((SECONDS + 5.0) * 1e9)
        stamps = [stamp_to_ns(m.header.stamp) for m in probe.statuses]
        running = [s for s in stamps if s > 0]
        outside = [s for s in running if not START_NS <= s <= bag_end]
        assert running and not outside, (outside[:5], START_NS, bag_end)


@launch_testing.post_shutdown_test()
class TestShutdown(unittest.TestCase):
    def test_every_process_exits_cleanly(self, proc_info):
        launch_testing.asserts.assertExitCodes(proc_info)
        assert len(proc_info.process_names()) == 3
