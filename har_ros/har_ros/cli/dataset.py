"""`har dataset stats|check SPEC`: what a dataset holds, and whether it can train.

``check`` exits 1 and names the reasons when the dataset cannot train;
``stats`` prints the same report (and warnings) and exits 0 unless the data
cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("stats", "check"))
    parser.add_argument("data", help="npz:PATH | utd_mhad:DIR | openpose:DIR | bag:PATH")
    parser.add_argument("--png", default="", help="write a summary figure here")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    from ..action.dataset import DatasetError
    from ..action.dataset_report import add_label_findings, report, write_summary_png
    from ..action.loaders import load_spec
    from ..bags.io import BagError

    try:
        dataset = load_spec(args.data)
        rep = report(dataset)
        kind, _, target = args.data.partition(":")
        if kind == "bag":
            from pathlib import Path

            from ..action.labels import read_labels
            from ..bags.recordings import read_tracks

            tracks = read_tracks(target)
            add_label_findings(rep, read_labels(Path(target) / "labels.csv"),
                               {k: [t for t, _ in v] for k, v in tracks.items()})
    except (DatasetError, BagError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.png:
        write_summary_png(rep, args.png)
    if args.json:
        print(json.dumps(rep.as_dict()))
    else:
        _print(rep)
    if rep.problems:
        print(f"cannot train: {len(rep.problems)} problem(s)", file=sys.stderr)
    return 1 if args.action == "check" and rep.problems else 0


def _print(rep) -> None:
    print(f"{rep.clips} clips, {len(rep.classes)} classes, {len(rep.subjects)} subjects, "
          f"frames per clip {rep.frames}")
    width = max((len(n) for n in rep.classes), default=5)
    for name, count in rep.classes.items():
        per_split = "  ".join(f"{s}={c[name]}" for s, c in rep.splits.items())
        print(f"  {name:<{width}}  {count:5d}  {per_split}")
    print(f"subjects: {rep.subjects}")
    if rep.views:
        print(f"views: {rep.views}")
    print(f"missing joints: {rep.missing_rate:.1%}; imbalance {rep.imbalance:.1f}x; "
          f"near-duplicate train/test pairs: {len(rep.duplicates)}")
    for problem in rep.problems:
        print(f"PROBLEM: {problem}")
    for warning in rep.warnings:
        print(f"warning: {warning}")
