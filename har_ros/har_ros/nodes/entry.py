"""Console-script entry points that import their node only when called.

Importing a node pulls in torch or the pose runtime, which takes seconds on
a small PC; a Ctrl-C (or `ros2 launch` shutting down) in that time would end
the process with a KeyboardInterrupt traceback and exit code -2. Here the
import happens inside a handler, so an interrupted start ends cleanly with 0,
like an interrupted run.
"""

from __future__ import annotations

import importlib
import sys


def _run(module: str) -> None:
    try:
        main = importlib.import_module(f"har_ros.nodes.{module}").main
    except KeyboardInterrupt:
        sys.exit(0)
    main()


def pose_node() -> None:
    _run("pose_node")


def body_tracker_node() -> None:
    _run("body_tracker_node")


def action_node() -> None:
    _run("action_node")


def safety_node() -> None:
    _run("safety_node")


def video_publisher() -> None:
    _run("video_publisher")


def speed_guard() -> None:
    _run("speed_guard")


def har_composed() -> None:
    _run("composed")


def person_fusion() -> None:
    _run("person_fusion")


def rig_publisher() -> None:
    _run("rig_publisher")
