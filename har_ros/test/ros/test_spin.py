"""run_nodes: several nodes in one process, each spinning on its own thread."""

import signal
import time

import pytest
from std_msgs.msg import String

from har_ros.ros.graph import spin_until, wait_for_subscribers

pytestmark = pytest.mark.graph


def _both_alive(ros_node, topic_prefix) -> None:
    seen = set()
    ros_node.create_subscription(String, f"{topic_prefix}/alive", lambda m: seen.add(m.data), 10)
    spin_until(
        ros_node, lambda: seen == {"first", "second"}, timeout=20, what="both nodes publishing"
    )


def test_nodes_spin_apart_and_stop_cleanly_on_sigterm(ros_node, processes, topic_prefix):
    proc = processes.start("--ros-args", "-r", f"__ns:={topic_prefix}", script="two_nodes.py")
    _both_alive(ros_node, topic_prefix)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0, processes.output(proc)


def test_a_failing_node_on_a_side_thread_ends_the_process_with_its_error(
    ros_node, processes, topic_prefix
):
    proc = processes.start(
        "--fail-on-request", "--ros-args", "-r", f"__ns:={topic_prefix}", script="two_nodes.py"
    )
    _both_alive(ros_node, topic_prefix)  # then the failure, on request: never before it
    fail = ros_node.create_publisher(String, f"{topic_prefix}/fail", 10)
    wait_for_subscribers(ros_node, fail, timeout=20)
    fail.publish(String(data="now"))
    assert proc.wait(timeout=15) != 0
    assert "second failed on purpose" in processes.output(proc)


@pytest.mark.parametrize("node", ["first", "second"])  # the main thread's node, a side one
def test_a_callback_caught_by_the_shutdown_ends_the_process_cleanly(
    ros_node, processes, topic_prefix, node
):
    proc = processes.start(
        "--shutdown-in-callback",
        node,
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        script="two_nodes.py",
    )
    assert proc.wait(timeout=20) == 0, processes.output(proc)
    assert "Traceback" not in processes.output(proc)


def test_a_stop_while_the_nodes_are_made_ends_the_process_cleanly(processes, topic_prefix):
    """Found by `ros2 run har_ros har_composed` stopped during its start: exit 1, a traceback."""
    proc = processes.start(
        "--stop-while-starting", "--ros-args", "-r", f"__ns:={topic_prefix}", script="two_nodes.py"
    )
    assert proc.wait(timeout=30) == 0, processes.output(proc)
    assert "Traceback" not in processes.output(proc)


@pytest.mark.parametrize("node", ["first", "second"])  # the server on the main thread, a side one
def test_a_reply_to_a_client_that_left_is_logged_and_the_nodes_spin_on(
    ros_node, processes, topic_prefix, node
):
    proc = processes.start(
        "--lost-reply", node, "--ros-args", "-r", f"__ns:={topic_prefix}", script="two_nodes.py"
    )
    deadline = time.monotonic() + 20
    while (
        "could not be sent" not in processes.output(proc)
        and proc.poll() is None
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert "could not be sent" in processes.output(proc), processes.output(proc)
    _both_alive(ros_node, topic_prefix)  # both still publish after it
    assert proc.poll() is None, processes.output(proc)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0, processes.output(proc)


def test_the_events_executor_spins_the_nodes_apart_and_stops_cleanly(
    ros_node, processes, topic_prefix
):
    proc = processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        script="two_nodes.py",
        env={"HAR_EXECUTOR": "events"},
    )
    _both_alive(ros_node, topic_prefix)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0, processes.output(proc)


def test_the_safety_node_comes_up_and_decides_on_the_events_executor(
    ros_node, processes, topic_prefix
):
    from har_msgs.msg import SafetyStatus

    statuses = []
    ros_node.create_subscription(SafetyStatus, f"{topic_prefix}/safety/status", statuses.append, 10)
    processes.start(
        "--ros-args",
        "-r",
        f"__ns:={topic_prefix}",
        module="har_ros.nodes.safety_node",
        env={"HAR_EXECUTOR": "events"},
    )
    # active (autostart through the lifecycle services), then deciding on its inputs
    spin_until(
        ros_node,
        lambda: statuses and "skeletons" in statuses[-1].reason,
        timeout=30,
        what="the policy's decision naming the missing skeletons",
    )
    assert statuses[-1].speed_scale == 0.0


def test_an_unknown_executor_is_refused_before_any_node_starts(processes):
    proc = processes.start(script="two_nodes.py", env={"HAR_EXECUTOR": "multi"})
    assert proc.wait(timeout=30) == 2
    assert "HAR_EXECUTOR must be one of single, events, got 'multi'" in processes.output(proc)


def test_start_up_objects_leave_the_collectors_scans():
    import gc

    from har_ros.ros.spin import freeze_start_up

    held = [[i] for i in range(1000)]  # containers the collector would walk
    try:
        freeze_start_up()
        assert gc.get_freeze_count() >= len(held)
    finally:
        gc.unfreeze()
