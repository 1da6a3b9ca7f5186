"""What a user watches during a real `ros2 launch`, collected by a probe node of the test.

Shared by the launch_testing modules of this folder: a probe node in its own
rclpy context that records /action, speed_scaling and safety/status (under a
namespace), and a parameter client, all over real DDS.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import rclpy
import yaml
from rcl_interfaces.srv import GetParameters
from rclpy.context import Context
from std_msgs.msg import Float64

from har_msgs.msg import ActionArray, SafetyStatus, SkeletonArray
from har_ros.resources import share_file
from har_ros.ros.graph import call_service, spin_until, spin_while_progressing

HAR_LAUNCH = share_file("launch", "har.launch.py")
SHIPPED_PARAMS = share_file("config", "har.yaml")


def replay_exited(proc_info) -> bool:
    """Whether the launch's `har replay` process (named har_replay) has ended."""
    from launch.events.process import ProcessExited

    return any(
        isinstance(event, ProcessExited) and event.process_name.startswith("har_replay")
        for event in (proc_info[p] for p in proc_info.processes())
    )


def require_launch_testing() -> None:
    """Skip the calling test module, saying why, where launch_testing is not built."""
    pytest.importorskip(
        "launch_testing",
        reason="launch_testing is not built here (make setup "
        "builds it from ../shared/ros2_extras when that folder exists)",
    )


def user_params_file(changes: dict[str, dict], directory: str | None = None) -> Path:
    """A copy of the shipped config/har.yaml with a user's changes, per node."""
    params = yaml.safe_load(SHIPPED_PARAMS.read_text())
    for node, values in changes.items():
        params[f"/**/{node}"]["ros__parameters"].update(values)
    path = Path(directory or tempfile.mkdtemp(prefix="har_launch_")) / "my_cell.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def copy_of(source: Path, name: str) -> Path:
    """A copy of ``source`` under a temporary name (so a parameter value names its origin)."""
    target = Path(tempfile.mkdtemp(prefix="har_launch_")) / name
    shutil.copyfile(source, target)
    return target


class Probe:
    """Records the pipeline's outputs in ``namespace``; always call ``close()``."""

    def __init__(self, namespace: str = ""):
        self.ns = namespace.rstrip("/")
        self.context = Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node(f"launch_probe_{uuid.uuid4().hex[:6]}", context=self.context)
        self.actions: list[ActionArray] = []
        self.speeds: list[tuple[float, float]] = []  # (arrival, value)
        self.statuses: list[SafetyStatus] = []
        self.node.create_subscription(ActionArray, f"{self.ns}/action", self.actions.append, 100)
        self.node.create_subscription(
            Float64,
            f"{self.ns}/speed_scaling",
            lambda m: self.speeds.append((time.monotonic(), m.data)),
            100,
        )
        self.node.create_subscription(
            SafetyStatus, f"{self.ns}/safety/status", self.statuses.append, 100
        )
        self.skeleton_arrays = 0  # progress of the pipeline, whatever the machine's speed
        self.node.create_subscription(
            SkeletonArray, f"{self.ns}/skeletons", self._count_skeletons, 100
        )

    def _count_skeletons(self, _msg) -> None:
        self.skeleton_arrays += 1

    def wait_for(self, condition, what: str) -> None:
        """Until ``condition()``, for as long as skeleton arrays keep coming (30 s stall)."""
        spin_while_progressing(self.node, condition, lambda: self.skeleton_arrays, what)

    def spin_until(self, condition, timeout: float, what: str) -> None:
        spin_until(self.node, condition, timeout, what)

    def spin_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        spin_until(self.node, lambda: time.monotonic() >= end, seconds + 1.0)

    def parameter(self, node_name: str, name: str):
        client = self.node.create_client(GetParameters, f"{node_name}/get_parameters")
        try:
            spin_until(self.node, client.service_is_ready, 20.0, f"{node_name} parameters")
            reply = call_service(self.node, client, GetParameters.Request(names=[name]))
            value = reply.values[0]
            return {
                1: value.bool_value,
                2: value.integer_value,
                3: value.double_value,
                4: value.string_value,
            }.get(value.type)
        finally:
            self.node.destroy_client(client)

    def close(self) -> None:
        self.node.destroy_node()
        rclpy.shutdown(context=self.context)
