"""Run one node until Ctrl-C or SIGTERM, exiting cleanly with a useful code."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

import rclpy
from rclpy.exceptions import ParameterException
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def run_node(factory: Callable[[], Node], args: list[str] | None = None) -> int:
    """Create the node, spin it, and shut down. Returns 0, or 2 if it could not start."""
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.SIGINT)
    signal.signal(signal.SIGTERM, _raise_interrupt)  # supervisors stop nodes with SIGTERM
    node = None
    code = 0
    try:
        node = factory()
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except (ValueError, TypeError, OSError, ParameterException) as exc:  # bad params, files
        print(f"[FATAL] {getattr(factory, '__name__', 'node')} could not start: {exc}",
              file=sys.stderr)
        code = 2
    finally:
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
    return code
