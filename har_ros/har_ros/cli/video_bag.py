"""`har video-bag VIDEO -o BAG`: a video as an image bag (/image + /camera_info)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", nargs="?", default="", help="default: the sports2d demo")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--frames", type=int, default=0)
    parser.add_argument("--width", type=int, default=640)


def run(args: argparse.Namespace) -> int:
    from ..assets import asset_path
    from ..bags.scenario import write_video_bag

    video = args.video or str(asset_path("sports2d_demo.mp4"))
    count = write_video_bag(video, args.output, args.frames, args.width)
    print(f"wrote {count} frames of {video} to {args.output}")
    return 0
