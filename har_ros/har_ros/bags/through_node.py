"""A stream bag replayed through a running action node, its ``/action`` recorded.

The node is the real one (its own process, started here in a namespace of
its own so it meets nothing else on the graph) and the bag is played with
its timing (``rate`` times faster); what comes back is the node's outputs as
``action.online.Output``, judged by the same code as the ROS-free run. A bag
of a camera's body tracking goes through a body_tracker_node first, as on a
cell with such a camera.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from ..action.online import Output
from ..common.parent_watch import SUPERVISOR_ENV
from ..runtime.processes import node_command
from .body_tracking import tracker_topics
from .replay import replay

SETTLE_S = 3.0  # no new /action for this long after the bag's end: the node is done


def _outputs(msg) -> list[Output]:
    from ..ros.stamps import stamp_to_ns

    stamp = stamp_to_ns(msg.header.stamp)
    names = list(msg.class_names)
    return [
        Output(
            a.track_id,
            stamp,
            a.label,
            names[int(np.argmax(a.scores))] if len(a.scores) else a.label,
            float(a.confidence),
            float(a.known_score),
        )
        for a in msg.actions
    ]


def replay_through_action_node(
    bag: str | Path,
    params: dict[str, object],
    rate: float = 2.0,
    start_timeout: float = 120.0,
    limit: float = 3600.0,
) -> list[Output]:
    """Start ``action_node`` with ``params``, play ``bag`` into it, return its outputs."""
    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    from har_msgs.msg import ActionArray

    from ..ros import qos

    namespace = f"/har_eval_{os.getpid()}"
    commands = [node_command("action_node", namespace, params)]
    topics = ["/skeletons"]
    tracker = tracker_topics(bag)
    if tracker is not None:  # the camera's body tracking -> skeletons, as on the cell
        markers, info = tracker
        topics = [markers, info] if info else [markers]
        remaps = [f"body_tracking_data:={namespace}{markers}"]
        if info:
            remaps.append(f"depth/camera_info:={namespace}{info}")
        commands.append(node_command("body_tracker_node", namespace, {"hri": False}, remaps))
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finally); a pipe could block
    # the nodes end with this process, even if this one is killed (common.parent_watch)
    node_processes = [
        subprocess.Popen(
            command,
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, SUPERVISOR_ENV: str(os.getpid())},
        )
        for command in commands
    ]

    def node_log() -> str:
        log.seek(0)
        return log.read().decode(errors="replace")[-2000:]

    def exited() -> bool:
        return any(p.poll() is not None for p in node_processes)

    context = rclpy.Context()
    rclpy.init(context=context)
    node = rclpy.create_node("har_eval_online", context=context)
    received: list[Output] = []
    last_arrival = [time.monotonic()]

    def on_action(msg) -> None:
        received.extend(_outputs(msg))
        last_arrival[0] = time.monotonic()

    node.create_subscription(ActionArray, f"{namespace}/action", on_action, qos.STREAM_QUEUE)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    try:
        started = time.monotonic()
        while not node.count_subscribers(f"{namespace}/skeletons"):
            if exited() or time.monotonic() - started > start_timeout:
                raise RuntimeError(
                    f"action_node did not subscribe its skeletons (exit codes "
                    f"{[p.poll() for p in node_processes]}): {node_log()}"
                )
            time.sleep(0.05)
        replay(
            node,
            bag,
            rate,
            topics=topics,
            wait=start_timeout,
            prefix=namespace,
            should_stop=exited,
        )
        if exited():
            raise RuntimeError(
                f"a node exited with {[p.poll() for p in node_processes]}: {node_log()}"
            )
        deadline = time.monotonic() + limit
        last_arrival[0] = time.monotonic()
        while time.monotonic() - last_arrival[0] < SETTLE_S and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(received)
    finally:
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown(context=context)
        for process in node_processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        log.close()
