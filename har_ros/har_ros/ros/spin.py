"""Run nodes until Ctrl-C or SIGTERM, exiting cleanly with a useful code."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

import rclpy
from rclpy.exceptions import ParameterException
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def run_node(factory: Callable[[], Node], args: list[str] | None = None) -> int:
    """Create the node, spin it, and shut down. Returns 0, or 2 if it could not start."""
    return run_nodes([factory], args)


def run_nodes(factories: list[Callable[[], Node]], args: list[str] | None = None) -> int:
    """Several nodes in one process: one executor thread per node.

    Each node keeps its default mutually exclusive callback group, so a node's
    own callbacks never run concurrently; different nodes do (rclpy's answer
    to a component container).
    """
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.SIGINT)
    signal.signal(signal.SIGTERM, _raise_interrupt)  # supervisors stop nodes with SIGTERM
    nodes: list[Node] = []
    code = 0
    factory = None
    try:
        for factory in factories:
            nodes.append(factory())
        if len(nodes) == 1:
            rclpy.spin(nodes[0])
        else:
            executor = MultiThreadedExecutor(num_threads=len(nodes))
            for node in nodes:
                executor.add_node(node)
            executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except (ValueError, TypeError, OSError, ParameterException) as exc:  # bad params, files
        print(f"[FATAL] {getattr(factory, '__name__', 'node')} could not start: {exc}",
              file=sys.stderr)
        code = 2
    finally:
        for node in nodes:
            node.destroy_node()
        rclpy.try_shutdown()
    return code
