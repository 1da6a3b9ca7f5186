"""`har bringup`: the launch file's nodes as separate processes (stand-in for ros2 launch).

Same executables, parameter file and overrides as launch/har.launch.py. Logs
are forwarded with a [node] prefix. Everything stops on Ctrl-C, or when one
node ends: the exit code is 0 for Ctrl-C or the end of the video, else
10 + the position of the node that died in the order printed at start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..common.supervisor import Supervisor
from ..resources import share_file

ORDER = ("video_publisher", "pose_node", "action_node", "safety_node")
SHORT = {"pose": "pose_node", "action": "action_node", "safety": "safety_node"}


def default_params() -> Path:
    """config/har.yaml as installed in the package's share directory."""
    return share_file("config", "har.yaml")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", default=None,
                        help="parameter YAML (default: the installed config/har.yaml)")
    parser.add_argument("--nodes", default="pose,action,safety",
                        help="comma-separated subset of pose,action,safety")
    parser.add_argument("--with-video", default=None, metavar="VIDEO", nargs="?", const="",
                        help="also run video_publisher (optionally on VIDEO)")
    parser.add_argument("--namespace", default="")
    parser.add_argument("--image", default="image", help="image topic (remapped)")
    parser.add_argument("--model-path", default="", help="action checkpoint")
    parser.add_argument("--use-sim-time", action="store_true")
    parser.add_argument("--composed", action="store_true",
                        help="pose, action and safety nodes in one process")


def _node_arguments(name: str, args: argparse.Namespace) -> list[str]:
    """The node's own remaps and parameters, scoped to it (``node:param``)."""
    extra = []
    if name in ("video_publisher", "pose_node") and args.image != "image":
        extra += ["-r", f"{name}:image:={args.image}"]
    if name == "video_publisher" and args.with_video:
        extra += ["-p", f"{name}:video:={args.with_video}"]
    if name == "action_node" and args.model_path:
        extra += ["-p", f"{name}:model_path:={args.model_path}"]
    return extra


def commands(args: argparse.Namespace) -> dict[str, list[str]]:
    if args.params is None:
        args.params = str(default_params())
    if not Path(args.params).is_file():
        raise SystemExit(f"parameter file not found: {args.params}")
    chosen = {SHORT.get(n.strip(), n.strip()) for n in args.nodes.split(",") if n.strip()}
    unknown = chosen - set(SHORT.values())
    if unknown:
        raise SystemExit(f"unknown nodes {sorted(unknown)}; use pose, action, safety")
    if args.composed and chosen != set(SHORT.values()):
        raise SystemExit("--composed runs all of pose, action and safety")
    if args.with_video is not None:
        chosen.add("video_publisher")
    common = ["--ros-args", "--params-file", args.params,
              "-p", f"use_sim_time:={'true' if args.use_sim_time else 'false'}"]
    if args.namespace:
        common += ["-r", f"__ns:={args.namespace}"]
    out = {}
    for name in ORDER:
        if name in chosen and not (args.composed and name in SHORT.values()):
            out[name] = [sys.executable, "-m", f"har_ros.nodes.{name}", *common,
                         *_node_arguments(name, args)]
    if args.composed:
        out["composed"] = [sys.executable, "-m", "har_ros.nodes.composed", *common,
                           *[a for name in SHORT.values() for a in _node_arguments(name, args)]]
    return out


def run(args: argparse.Namespace) -> int:
    cmds = commands(args)
    print("starting: " + ", ".join(f"{i}={name}" for i, name in enumerate(cmds)), flush=True)
    outcome = Supervisor(cmds).run()
    if outcome.first_exited is None:
        return 0
    name = outcome.first_exited
    code = outcome.return_codes[name]
    if name == "video_publisher" and code == 0:
        print("video ended; all nodes stopped", flush=True)
        return 0
    index = list(cmds).index(name)
    print(f"{name} exited with {code}; all nodes stopped", file=sys.stderr, flush=True)
    return 10 + index
