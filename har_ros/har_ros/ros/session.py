"""Nodes started as child processes in a namespace of their own, and a probe node to watch them.

The demos and the benchmarks all start nodes, watch their topics from a probe
node, wait on events, and must stop every process whatever happens; this is
that once. It lives in ``ros/`` (not ``runtime/``, which stays free of rclpy)
because the probe is a ROS node.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ..runtime.processes import node_command, stop_processes
from .graph import wait_for_publishers

if TYPE_CHECKING:
    from rclpy.node import Node


class NodeSession:
    """``with NodeSession("har_demo") as session:`` nodes in ``session.namespace``.

    ``start`` runs a node (or any command) as a child process; ``probe`` is a
    node of this process for subscriptions; ``died()`` names the started
    processes that have ended. Leaving the block stops every process (SIGTERM,
    then SIGKILL), destroys the probe and shuts rclpy down if it started it.
    """

    def __init__(self, prefix: str, namespace: str | None = None):
        self.prefix = prefix
        self.namespace = namespace or f"/{prefix}_{uuid.uuid4().hex[:6]}"
        self.processes: dict[str, subprocess.Popen] = {}
        self._probe: Node | None = None
        self._owns_rclpy = False

    def __enter__(self) -> NodeSession:
        import rclpy

        if not rclpy.ok():
            rclpy.init()
            self._owns_rclpy = True
        self._probe = rclpy.create_node(f"{self.prefix}_probe_{uuid.uuid4().hex[:6]}")
        return self

    @property
    def probe(self) -> Node:
        """The node of the calling process, for subscriptions and spinning (in the block)."""
        if self._probe is None:
            raise RuntimeError("a NodeSession's probe exists inside its with block only")
        return self._probe

    def __exit__(self, *exc) -> None:
        import rclpy

        stop_processes(self.processes)
        if self._probe is not None:
            self._probe.destroy_node()
            self._probe = None
        if self._owns_rclpy:
            rclpy.try_shutdown()

    def start(
        self,
        name: str,
        executable: str = "",
        params: Mapping[str, object] | None = None,
        remaps: Iterable[str] = (),
        sub_namespace: str = "",
        command: list[str] | None = None,
    ) -> subprocess.Popen:
        """Start ``executable`` (default: ``name``) in the session's namespace.

        ``sub_namespace`` goes below it (one camera's nodes); ``command`` runs
        instead of a node. Its output is discarded.
        """
        if name in self.processes:  # the first would never be stopped
            raise ValueError(f"a process named {name!r} was started already")
        namespace = f"{self.namespace}/{sub_namespace}" if sub_namespace else self.namespace
        argv = command or node_command(executable or name, namespace, params, remaps)
        self.processes[name] = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        return self.processes[name]

    def running(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def died(self, *expected_to_end: str) -> list[str]:
        """The started processes that have ended, but for those expected to."""
        return [
            name
            for name, proc in self.processes.items()
            if name not in expected_to_end and proc.poll() is not None
        ]

    def wait_for_publishers(self, *subscriptions, timeout: float = 60.0) -> None:
        """Until each subscription has a publisher (the nodes are up)."""
        for subscription in subscriptions:
            wait_for_publishers(self.probe, subscription, timeout=timeout)
