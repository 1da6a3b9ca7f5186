"""`har collect -o BAG --actions A,B --subject N`: a guided recording, labelled as it goes.

The worker is told on screen (this terminal, and ``/collect/prompt`` as
std_msgs/String for a screen in the cell) what to do next, with a countdown;
the image and skeleton topics are recorded into BAG, and ``BAG/labels.csv``
gets one ``*`` interval per prompted action, stamped with the node clock
(the clock of the camera stamps on a live system). The labels are written
after every action, so stopping early keeps what was recorded; correct them
in `har label BAG`.
"""

from __future__ import annotations

import argparse
import sys
import time


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", required=True, help="bag folder to create")
    parser.add_argument("--actions", required=True, help="a,b,c or a file, one per line")
    parser.add_argument("--subject", type=int, required=True, help="the worker's subject id")
    parser.add_argument("--view", default="", help="camera viewpoint name, kept in labels.csv")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per action")
    parser.add_argument("--countdown", type=float, default=3.0)
    parser.add_argument("--rest", type=float, default=2.0, help="seconds between actions")
    parser.add_argument(
        "--topics",
        nargs="+",
        default=["/image", "/skeletons"],
        help="topics to record (default: /image /skeletons)",
    )
    parser.add_argument("--discover-timeout", type=float, default=10.0)


def run(args: argparse.Namespace) -> int:
    from ..action.dataset import DatasetError
    from ..labelling.collect import plan
    from ..labelling.session import parse_classes

    try:
        actions = parse_classes(args.actions)
        phases = plan(actions, args.repetitions, args.duration, args.countdown, args.rest)
    except (DatasetError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from std_msgs.msg import String

    from ..action.labels import LabelInterval, write_labels
    from ..bags.io import BagError
    from ..bags.record import Recorder, discover

    rclpy.init()
    node = rclpy.create_node("har_collect")
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    prompts = node.create_publisher(String, "/collect/prompt", 10)
    recorder, intervals = None, []
    meta = {"subject": str(args.subject), "classes": ",".join(actions)}
    if args.view:
        meta["view"] = args.view

    def say(text: str) -> None:
        print(text, flush=True)
        prompts.publish(String(data=text))

    def now_s() -> float:
        return node.get_clock().now().nanoseconds * 1e-9

    try:
        types = discover(
            node, args.topics, args.discover_timeout, lambda s: executor.spin_once(timeout_sec=s)
        )
        recorder = Recorder(node, args.output, types)
        labels = recorder.writer.path / "labels.csv"
        print(
            f"recording {sorted(types)} into {args.output}; {len(phases)} steps, "
            f"{phases[-1].end:.0f} s",
            flush=True,
        )
        start = time.monotonic()
        for phase in phases:
            say(phase.prompt(args.repetitions))
            began, shown = now_s(), None
            while (left := start + phase.end - time.monotonic()) > 0:
                if phase.kind == "countdown" and shown != int(left) + 1:
                    shown = int(left) + 1
                    say(f"  {shown}")
                executor.spin_once(timeout_sec=min(0.05, left))
            if phase.kind == "action":
                intervals.append(LabelInterval(None, began, now_s(), phase.action))
                write_labels(labels, intervals, meta)
        say("done, thank you")
    except BagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"stopped; {len(intervals)} action(s) recorded and labelled", flush=True)
    finally:
        if recorder is not None:
            recorder.close()
            print(f"wrote {recorder.counts} and {len(intervals)} labels", flush=True)
        node.destroy_node()
        rclpy.try_shutdown()
    return 0
