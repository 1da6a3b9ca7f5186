"""`har synth`: synthetic fridge-disassembly data (labelled dataset or continuous stream).

Honest test data for the pipeline, not a claim about real workers.
"""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output .npz")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subjects", type=int, default=12)
    parser.add_argument("--test-subjects", type=int, default=4)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument(
        "--views",
        default="",
        help="comma-separated viewpoints; default: all four for a dataset "
        "(left_side is the unseen one), the three training views for "
        "--windows",
    )
    parser.add_argument(
        "--stream",
        action="store_true",
        help="write a continuous multi-person stream instead of a dataset",
    )
    parser.add_argument(
        "--scenario",
        action="store_true",
        help="write the stream as a skeleton bag (--out is the bag folder) "
        "with labels.csv ground truth",
    )
    parser.add_argument(
        "--body-tracking",
        action="store_true",
        help="with --scenario: write the stream as a depth camera's body tracking "
        "(MarkerArray of k4abt32 joints, as the Azure Kinect driver publishes it); "
        "with --windows: 3D k4abt32 windows (x, y, z in metres, camera frame)",
    )
    parser.add_argument(
        "--view",
        default="front",
        help="--scenario: the camera's viewpoint (front, left_oblique, right_oblique, left_side)",
    )
    parser.add_argument(
        "--windows",
        action="store_true",
        help="write node-like windows cut from --streams streams (training data "
        "for the shipped model)",
    )
    parser.add_argument("--streams", type=int, default=16)
    parser.add_argument("--people", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument(
        "--outside",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="--stream/--scenario: share of actions from outside the class "
        "list (waving, stretching, phone_call)",
    )
    parser.add_argument(
        "--idle",
        default="0,0",
        metavar="MIN,MAX",
        help="--stream/--scenario: seconds of standing still (waiting) between "
        "two actions, e.g. 0.3,1.5",
    )


def _idle(text: str) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise SystemExit(f"--idle must be MIN,MAX seconds, got {text!r}") from None
    if not 0 <= low <= high:
        raise SystemExit(f"--idle must be 0 <= MIN <= MAX, got {text!r}")
    return low, high


def run(args: argparse.Namespace) -> int:
    from ..action.dataset import save_npz
    from ..action.synth import TRAIN_VIEWS, VIEWS, make_dataset, make_stream, save_stream

    if args.windows:
        from ..action.synth import make_window_dataset

        views = tuple(v for v in (args.views or ",".join(TRAIN_VIEWS)).split(",") if v)
        dataset = make_window_dataset(
            args.streams,
            max(1, args.streams // 4),
            args.seed,
            seconds=args.seconds,
            people=args.people,
            views=views,
            body_tracking=args.body_tracking,
        )
        save_npz(dataset, args.out)
        print(json.dumps({"dataset": args.out, **dataset.summary()}))
        return 0
    if args.scenario:
        from ..bags.scenario import write_body_tracking_bag, write_skeleton_scenario

        if args.view not in VIEWS:
            raise SystemExit(f"--view must be one of {sorted(VIEWS)}, got {args.view!r}")
        frames = make_stream(
            args.people,
            args.seconds,
            args.seed,
            args.fps,
            view=args.view,
            outside=args.outside,
            idle=_idle(args.idle),
        )
        if args.body_tracking:
            count = write_body_tracking_bag(frames, args.fps, args.out, args.view, args.seed)
        else:
            count = write_skeleton_scenario(frames, args.fps, args.out)
        print(json.dumps({"scenario_bag": args.out, "messages": count}))
        return 0
    if args.stream:
        frames = make_stream(
            args.people,
            args.seconds,
            args.seed,
            args.fps,
            outside=args.outside,
            idle=_idle(args.idle),
        )
        save_stream(frames, args.out, args.fps)
        print(
            json.dumps(
                {
                    "stream": args.out,
                    "frames": len(frames),
                    "people_max": max(len(f.people) for f in frames),
                }
            )
        )
        return 0
    views = tuple(v for v in (args.views or ",".join(VIEWS)).split(",") if v)
    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        raise SystemExit(f"unknown views {unknown}; known: {sorted(VIEWS)}")
    dataset = make_dataset(
        args.subjects, args.repetitions, args.seed, args.fps, args.test_subjects, views
    )
    save_npz(dataset, args.out)
    print(json.dumps({"dataset": args.out, **dataset.summary()}))
    return 0
