"""`har`: one command for the whole life cycle (data, training, nodes, bags, benchmarks).

Each subcommand lives in its own module with ``add_arguments(parser)`` and
``run(args) -> int``; modules are imported only when their command runs, so
``har --help`` stays fast (no torch or rclpy import).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module under har_ros.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "synth": ("synth", "generate synthetic fridge-disassembly actions (dataset or stream)"),
    "train": (
        "train",
        "train lstm bilstm stgcn transformer stream_gcn stream_stgcn continual_stgcn "
        "posec3d dstformer",
    ),
    "eval": ("evaluate", "evaluate a checkpoint: metrics, confusion matrix, robustness"),
    "predict": ("predict", "top-5 actions for one sequence of a dataset"),
    "collect": ("collect", "guided recording: prompts the worker, records a bag + labels.csv"),
    "cell": ("cell", "multi-camera cell: convert calibrations, check a cell YAML, eval fusion"),
    "label": ("label", "label a bag or video in the browser -> labels.csv"),
    "extract": ("extract", "pose + tracker over labelled videos -> .npz dataset (resumable)"),
    "dataset": ("dataset", "dataset stats|check: counts, gaps, duplicates; can it train?"),
    "bringup": ("bringup", "start the nodes like the launch file does (stand-in for ros2 launch)"),
    "demo": ("demo", "real video -> pose_node -> safety_node, live summary, demo_out/"),
    "record": ("record", "record topics into an mcap rosbag2 (stand-in for ros2 bag record)"),
    "replay": ("replay", "play a rosbag2 with its original timing (stand-in for ros2 bag play)"),
    "video-bag": ("video_bag", "turn a video into an image bag (/image, /camera_info)"),
    "info": ("info", "show the environment: versions, ROS settings, cached assets"),
    "bench": ("bench", "measure latency and throughput on this machine"),
    "pose-video": ("pose_video", "run the pose backend and tracker over a video (no ROS)"),
    "safety-plot": ("safety_plot", "plot speed scale vs separation for each action rule"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="har", description="har_ros: human action recognition for robot cells."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, description=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0] not in COMMANDS:
        parser.parse_args(argv)  # --help, or argparse's error for an unknown command
        parser.print_help()
        return 0
    name = argv[0]
    module = importlib.import_module(f"har_ros.cli.{COMMANDS[name][0]}")
    sub = argparse.ArgumentParser(prog=f"har {name}", description=COMMANDS[name][1])
    module.add_arguments(sub)
    return int(module.run(sub.parse_args(argv[1:])) or 0)


if __name__ == "__main__":
    sys.exit(main())
