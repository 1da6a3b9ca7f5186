"""`har replay BAG`: publish a bag with its original timing (stand-in for ros2 bag play)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bag")
    parser.add_argument("--rate", type=float, default=1.0, help="playback speed factor")
    parser.add_argument("--clock", action="store_true", help="publish /clock (use_sim_time)")
    parser.add_argument("--loop", action="store_true")
    parser.add_argument("--topics", nargs="*", default=None)
    parser.add_argument(
        "--wait", type=float, default=5.0, help="s to wait for subscribers before starting"
    )
    parser.add_argument("--remap-prefix", default="", help="namespace put before every topic")
    parser.add_argument(
        "--delay",
        type=float,
        default=0.5,
        help="s to wait after subscribers appeared (discovery settles)",
    )


def run(args: argparse.Namespace) -> int:
    import rclpy

    from ..bags.replay import replay

    rclpy.init()
    node = rclpy.create_node("har_replay")
    try:
        sent = replay(
            node,
            args.bag,
            args.rate,
            args.clock,
            args.loop,
            args.topics,
            args.wait,
            args.delay,
            args.remap_prefix,
        )
        print(f"published {sent} messages", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    return 0
