"""`har eval`: metrics, confusion matrix, training curves and robustness of a checkpoint.

``--online``: the checkpoint on a continuous labelled stream bag (skeletons +
labels.csv) through the action node's own code, or with ``--bag`` through the
running node: per-frame accuracy, onset delay, flicker, "unknown" on actions
outside the class list, calibration.
"""

from __future__ import annotations

import argparse
import json
import math
import numbers
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ckpt", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="test", help="rows to evaluate ('all' for every row)")
    parser.add_argument("--views", default="", help="only these comma-separated views")
    parser.add_argument("--out-dir", default="", help="write PNGs and report.json here")
    parser.add_argument("--no-robustness", action="store_true")
    parser.add_argument(
        "--device", default="cpu", help="whole-clip scoring on: cpu, auto, cuda or cuda:N"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--online",
        action="store_true",
        help="--data is a stream bag (skeletons + labels.csv): judge the node's outputs over time",
    )
    parser.add_argument(
        "--bag",
        action="store_true",
        help="with --online: replay the bag through a running action_node",
    )
    parser.add_argument("--rate", type=float, default=2.0, help="--bag: replay speed factor")
    parser.add_argument(
        "--min-fill",
        type=float,
        default=1.0,
        help="--online: the node's min_fill (share of a window before a new track's first output)",
    )
    parser.add_argument(
        "--unknown-threshold",
        type=float,
        default=-1.0,
        help="--online: the node's unknown_threshold (-1 = the checkpoint's)",
    )
    parser.add_argument(
        "--smoothing-alpha", type=float, default=0.6, help="--online: the node's smoothing_alpha"
    )
    parser.add_argument(
        "--switch-margin",
        type=float,
        help="--online: the node's switch_margin (default: the node's)",
    )


def _finite(value):
    """``value`` with every NaN or infinity (a metric without samples) as None."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return float(value) if math.isfinite(value) else None
    return value


def strict_json(data, **kwargs) -> str:
    """JSON that every parser reads: json.dumps writes NaN, which is no JSON, unless told."""
    return json.dumps(_finite(data), allow_nan=False, **kwargs)


def run(args: argparse.Namespace) -> int:
    if args.online:
        return _online(args)
    from ..action.checkpoint import CheckpointError, load_checkpoint
    from ..action.dataset import DatasetError
    from ..action.devices import resolve_device
    from ..action.evaluate import evaluate, robustness
    from ..action.loaders import select_views
    from .data import load_data

    try:
        resolve_device(args.device)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    try:
        checkpoint = load_checkpoint(args.ckpt)
    except CheckpointError as exc:
        raise SystemExit(f"error: {exc}") from None
    dataset = load_data(args.data)
    if args.split != "all" and dataset.split is not None:
        dataset = dataset.subset(dataset.split == args.split)
    dataset = select_views(dataset, args.views)
    if dataset.layout != checkpoint.layout:
        raise SystemExit(
            f"the dataset's layout {dataset.layout.name!r} differs from the "
            f"checkpoint's {checkpoint.layout.name!r}"
        )
    try:  # a test set may lack some classes; its labels are matched by name
        dataset = dataset.with_classes(checkpoint.class_names)
    except DatasetError as exc:
        raise SystemExit(f"the dataset does not fit the checkpoint: {exc}") from None
    report = evaluate(checkpoint, dataset, args.device)
    if not args.no_robustness:
        report["robustness"] = robustness(checkpoint, dataset, device=args.device)
    report["model"] = checkpoint.model_name
    if args.out_dir:
        from ..action.plots import write_plots

        out = Path(args.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        write_plots(report, checkpoint, out)
        from ..action.online_plots import write_reliability

        cal = report["calibration"]
        write_reliability(
            cal["reliability"],
            out / "reliability.png",
            f"ECE {cal['ece_uncalibrated']:.3f} -> {cal['ece']:.3f} (T {cal['temperature']:.2f})",
        )
        (out / "report.json").write_text(strict_json(report, indent=2))
    if args.json:
        print(strict_json(report))
    else:
        cal = report["calibration"]
        print(
            f"{checkpoint.model_name}: top-1 {report['top1']:.3f}  top-5 {report['top5']:.3f}"
            f"  (n={report['n']})  ECE {cal['ece_uncalibrated']:.3f} -> {cal['ece']:.3f} "
            f"(temperature {cal['temperature']:.2f})"
        )
        for name, row in report["per_class"].items():
            print(
                f"  {name:45s} P {row['precision']:.2f} R {row['recall']:.2f} "
                f"F1 {row['f1']:.2f} (n={row['support']})"
            )
        for kind, curve in report.get("robustness", {}).items():
            print(
                f"  robustness vs {kind}: " + ", ".join(f"{k}: {v:.3f}" for k, v in curve.items())
            )
    return 0


def _online(args: argparse.Namespace) -> int:
    import sys

    from ..action.checkpoint import CheckpointError, load_checkpoint
    from ..action.online import online_metrics, run_recognizer, timeline
    from ..action.recognizer import ActionRecognizer, RecognizerSettings
    from ..bags.io import BagError
    from ..bags.scenario import read_stream_bag

    try:
        checkpoint = load_checkpoint(args.ckpt)
        stream = read_stream_bag(args.data)
        margin = {} if args.switch_margin is None else {"switch_margin": args.switch_margin}
        settings = RecognizerSettings(
            smoothing_alpha=args.smoothing_alpha,
            unknown_threshold=args.unknown_threshold,
            min_fill=args.min_fill,
            **margin,
        )
        recognizer = ActionRecognizer(checkpoint, settings)
    except (CheckpointError, BagError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.bag:
        from ..bags.through_node import replay_through_action_node

        outputs = replay_through_action_node(
            args.data,
            {
                "model_path": str(Path(args.ckpt).resolve()),
                "min_fill": args.min_fill,
                "unknown_threshold": args.unknown_threshold,
                "smoothing_alpha": args.smoothing_alpha,
                **margin,
            },
            rate=args.rate,
        )
    else:
        outputs = run_recognizer(recognizer, stream)
    report = online_metrics(outputs, stream, checkpoint.class_names)
    report.update(
        mode="bag" if args.bag else "ros_free",
        model=checkpoint.model_name,
        min_fill=args.min_fill,
        switch_margin=settings.switch_margin,
        stream_seconds=len(stream.frames) / stream.fps,
        calibration=checkpoint.calibration.to_dict(),
    )
    if args.out_dir:
        from ..action.online_plots import write_online_plots

        out = Path(args.out_dir)
        write_online_plots(report, timeline(outputs, stream), out)
        (out / "online.json").write_text(strict_json(report, indent=2))
    if args.json:
        print(strict_json({k: v for k, v in report.items() if k != "reliability"}))
    else:
        onset, previous = report["onset_delay_s"], report["previous_shown_s"]
        print(
            f"{report['mode']}: per-frame accuracy {report['per_frame_accuracy']:.3f}  "
            f"onset delay median {onset['median']:.2f} s p95 {onset['p95']:.2f} s "
            f"({report['missed_actions']} of {report['actions']} actions never named)"
        )
        print(
            f"  flicker {report['flicker_per_min']:.1f} switches/min; previous action shown "
            f"median {previous['median']:.2f} s p95 {previous['p95']:.2f} s"
        )
        print(
            f"  outside the class list: {report['outside_shown_unknown']:.1%} shown unknown, "
            f"AUROC {report['outside_auroc']:.3f}; known shown unknown "
            f"{report['known_shown_unknown']:.1%}; ECE {report['ece']:.3f}"
        )
    return 0
