"""`har eval`: metrics, confusion matrix, training curves and robustness of a checkpoint."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ckpt", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="test", help="rows to evaluate ('all' for every row)")
    parser.add_argument("--views", default="", help="only these comma-separated views")
    parser.add_argument("--out-dir", default="", help="write PNGs and report.json here")
    parser.add_argument("--no-robustness", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from ..action.checkpoint import load_checkpoint
    from ..action.dataset import DatasetError
    from ..action.evaluate import evaluate, robustness
    from ..action.loaders import load_spec, select_views

    checkpoint = load_checkpoint(args.ckpt)
    dataset = load_spec(args.data)
    if args.split != "all" and dataset.split is not None:
        dataset = dataset.subset(dataset.split == args.split)
    dataset = select_views(dataset, args.views)
    if dataset.layout != checkpoint.layout:
        raise SystemExit(f"the dataset's layout {dataset.layout.name!r} differs from the "
                         f"checkpoint's {checkpoint.layout.name!r}")
    try:  # a test set may lack some classes; its labels are matched by name
        dataset = dataset.with_classes(checkpoint.class_names)
    except DatasetError as exc:
        raise SystemExit(f"the dataset does not fit the checkpoint: {exc}") from None
    report = evaluate(checkpoint, dataset)
    if not args.no_robustness:
        report["robustness"] = robustness(checkpoint, dataset)
    report["model"] = checkpoint.model_name
    if args.out_dir:
        from ..action.plots import write_plots

        out = Path(args.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        write_plots(report, checkpoint, out)
        (out / "report.json").write_text(json.dumps(report, indent=2))
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{checkpoint.model_name}: top-1 {report['top1']:.3f}  top-5 {report['top5']:.3f}"
              f"  (n={report['n']})")
        for name, row in report["per_class"].items():
            print(f"  {name:45s} P {row['precision']:.2f} R {row['recall']:.2f} "
                  f"F1 {row['f1']:.2f} (n={row['support']})")
        for kind, curve in report.get("robustness", {}).items():
            print(f"  robustness vs {kind}: " + ", ".join(f"{k}: {v:.3f}" for k, v in
                                                          curve.items()))
    return 0
