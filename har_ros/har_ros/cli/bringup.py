"""`har bringup`: the launch file's nodes as separate processes (stand-in for ros2 launch).

Same executables, parameter file and overrides as launch/har.launch.py (both
read har_ros.runtime.pipeline). Logs are forwarded with a [node] prefix.
Everything stops on Ctrl-C, or when one node ends: the exit code is 0 for
Ctrl-C or the end of the video, 2 for a request that cannot start, else
10 + the position of the node that died in the order printed at start.
"""

from __future__ import annotations

import argparse
import sys

from ..runtime.pipeline import NODE_TABLE, PIPELINE, VIDEO, Bringup, BringupError, node_commands
from ..runtime.supervisor import Supervisor


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--params", default="", help="parameter YAML (default: the installed config/har.yaml)"
    )
    parser.add_argument(
        "--nodes",
        default=",".join(PIPELINE),
        help=f"comma-separated subset of {','.join(NODE_TABLE)} (body_tracker: a depth "
        "camera's own body tracking instead of pose)",
    )
    parser.add_argument(
        "--with-video",
        default=None,
        metavar="VIDEO",
        nargs="?",
        const="",
        help="also run video_publisher (optionally on VIDEO)",
    )
    parser.add_argument("--namespace", default="")
    parser.add_argument("--image", default="image", help="image topic (remapped)")
    parser.add_argument(
        "--body-tracking",
        default="body_tracking_data",
        help="body_tracker's MarkerArray topic (remapped)",
    )
    parser.add_argument(
        "--body-camera-info",
        default="depth/camera_info",
        help="body_tracker's depth camera_info topic (remapped)",
    )
    parser.add_argument("--model-path", default="", help="action checkpoint")
    parser.add_argument("--use-sim-time", action="store_true")
    parser.add_argument(
        "--composed", action="store_true", help="pose, action and safety nodes in one process"
    )


def request_from(args: argparse.Namespace) -> Bringup:
    return Bringup(
        params=args.params,
        nodes=args.nodes,
        with_video=args.with_video,
        namespace=args.namespace,
        image=args.image,
        body_tracking=args.body_tracking,
        body_camera_info=args.body_camera_info,
        model_path=args.model_path,
        use_sim_time=args.use_sim_time,
        composed=args.composed,
    )


def run(args: argparse.Namespace) -> int:
    try:
        cmds = node_commands(request_from(args))
    except BringupError as error:
        print(f"har bringup: {error}", file=sys.stderr)
        return 2
    print("starting: " + ", ".join(f"{i}={name}" for i, name in enumerate(cmds)), flush=True)
    outcome = Supervisor(cmds).run()
    if outcome.first_exited is None:
        return 0
    name = outcome.first_exited
    code = outcome.return_codes[name]
    if name == VIDEO and code == 0:
        print("video ended; all nodes stopped", flush=True)
        return 0
    index = list(cmds).index(name)
    print(f"{name} exited with {code}; all nodes stopped", file=sys.stderr, flush=True)
    return 10 + index
