"""`har record TOPICS... -o BAG`: record topics into an mcap rosbag2 (stand-in for ros2 bag)."""

from __future__ import annotations

import argparse
import time


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("topics", nargs="+")
    parser.add_argument("-o", "--output", required=True, help="bag folder to create")
    parser.add_argument("--duration", type=float, default=0.0, help="stop after S s (0: Ctrl-C)")
    parser.add_argument("--discover-timeout", type=float, default=10.0)


def run(args: argparse.Namespace) -> int:
    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    from ..bags.record import Recorder, discover

    rclpy.init()
    node = rclpy.create_node("har_record")
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    recorder = None
    try:
        types = discover(
            node, args.topics, args.discover_timeout, lambda s: executor.spin_once(timeout_sec=s)
        )
        recorder = Recorder(node, args.output, types)
        print(f"recording {types} into {args.output}", flush=True)
        end = time.monotonic() + args.duration if args.duration else float("inf")
        while time.monotonic() < end:
            executor.spin_once(timeout_sec=0.05)
    except KeyboardInterrupt:
        pass
    finally:
        if recorder is not None:
            recorder.close()
            print(f"wrote {recorder.counts}", flush=True)
        node.destroy_node()
        rclpy.try_shutdown()
    return 0
