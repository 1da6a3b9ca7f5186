"""`har dataset stats|check|chain SPEC`: what a dataset holds, whether it can train.

``check`` exits 1 and names the reasons when the dataset cannot train;
``stats`` prints the same report (and warnings) and exits 0 unless the data
cannot be read. ``chain`` turns the clips of one split into a continuous
labelled stream bag (each subject one person, clips one after another), with
some classes kept out of training as "outside the class list".
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("stats", "check", "chain"))
    parser.add_argument("data", help="npz:PATH | utd_mhad:DIR | openpose:DIR | bag:PATH")
    parser.add_argument("--png", default="", help="write a summary figure here")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--out", default="", help="chain: the stream bag to write")
    parser.add_argument("--split", default="test", help="chain: rows to chain ('all': every row)")
    parser.add_argument(
        "--outside",
        default="utd",
        help="chain: 0-based classes kept out of training, comma-separated; "
        "'utd' = UTD-MHAD's seven of the online protocol; '' = none",
    )
    parser.add_argument(
        "--train-out",
        default="",
        help="chain: also write the other rows of the known classes (.npz) "
        "to train the model the stream is for",
    )
    parser.add_argument(
        "--test-out",
        default="",
        help="chain: also write the chained rows of the known classes (.npz), "
        "to score the same model on whole clips",
    )
    parser.add_argument("--seed", type=int, default=0, help="chain: clip order and gaps")


def _chain(args: argparse.Namespace) -> int:
    from ..action.dataset import npz_path, save_npz
    from ..action.streams import UTD_OUTSIDE_CLASSES, chain_clips, known_classes_only
    from ..bags.scenario import write_stream_bag
    from ..common.atomic import refuse_overwrite
    from .data import load_data

    if not args.out:
        raise SystemExit("har dataset chain needs --out BAG")
    outputs = [args.out] + [npz_path(p) for p in (args.train_out, args.test_out) if p]
    refuse_overwrite(outputs, _inputs(args.data))  # before anything is written
    dataset = load_data(args.data)
    try:
        outside = (
            UTD_OUTSIDE_CLASSES
            if args.outside == "utd"
            else tuple(int(v) for v in args.outside.split(",") if v.strip())
        )
    except ValueError:
        raise SystemExit(f"--outside must be 0-based class numbers, got {args.outside!r}") from None
    bad = [c for c in outside if not 0 <= c < len(dataset.class_names)]
    if bad:
        raise SystemExit(f"--outside classes {bad} are not in 0..{len(dataset.class_names) - 1}")
    if args.test_out and args.train_out and (args.split == "all" or dataset.split is None):
        raise SystemExit(
            "--test-out and --train-out would hold the same clips: the dataset "
            "needs a split, and --split the rows to chain"
        )
    rows = (
        dataset
        if args.split == "all" or dataset.split is None
        else dataset.subset(dataset.split == args.split)
    )
    stream = chain_clips(rows, args.seed)
    stream.meta["outside"] = ";".join(dataset.class_names[c] for c in outside)
    count = write_stream_bag(stream, args.out)
    report = {
        "stream_bag": args.out,
        "messages": count,
        "people": len(set(rows.subjects)),
        "seconds": round(len(stream.frames) / stream.fps, 1),
        "outside_classes": [dataset.class_names[c] for c in outside],
    }
    if args.train_out:
        others = (
            dataset.subset(dataset.split != args.split) if dataset.split is not None else dataset
        )
        known = known_classes_only(others, outside)
        written = save_npz(known, args.train_out)
        report["train"] = {
            "dataset": str(written),
            "clips": len(known),
            "classes": len(known.class_names),
        }
    if args.test_out:
        known = known_classes_only(rows, outside)
        report["test"] = {"dataset": str(save_npz(known, args.test_out)), "clips": len(known)}
    print(json.dumps(report))
    return 0


def _inputs(spec: str) -> list[str]:
    """The file or folder a ``KIND:PATH`` data spec reads (a pyskl spec's options cut off)."""
    kind, _, target = spec.partition(":")
    if kind == "pyskl":
        stem, suffix, _ = target.partition(".pkl")
        target = stem + suffix
    return [target] if target else []


def run(args: argparse.Namespace) -> int:
    from ..action.dataset import DatasetError
    from ..action.dataset_report import add_label_findings, report, write_summary_png
    from ..bags.io import BagError
    from ..common.atomic import InputOverwriteError, refuse_overwrite
    from .data import load_data

    if args.action == "chain":
        try:
            return _chain(args)
        except (DatasetError, BagError, InputOverwriteError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    try:
        refuse_overwrite([args.png] if args.png else [], _inputs(args.data))
        dataset = load_data(args.data)
        rep = report(dataset)
        kind, _, target = args.data.partition(":")
        if kind == "bag":
            from pathlib import Path

            from ..action.labels import read_labels
            from ..bags.recordings import read_tracks

            tracks = read_tracks(target)
            add_label_findings(
                rep,
                read_labels(Path(target) / "labels.csv"),
                {k: [t for t, _ in v] for k, v in tracks.items()},
            )
    except (DatasetError, BagError, InputOverwriteError) as exc:
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
    print(
        f"{rep.clips} clips, {len(rep.classes)} classes, {len(rep.subjects)} subjects, "
        f"frames per clip {rep.frames}"
    )
    width = max((len(n) for n in rep.classes), default=5)
    for name, count in rep.classes.items():
        per_split = "  ".join(f"{s}={c[name]}" for s, c in rep.splits.items())
        print(f"  {name:<{width}}  {count:5d}  {per_split}")
    print(f"subjects: {rep.subjects}")
    if rep.views:
        print(f"views: {rep.views}")
    print(
        f"missing joints: {rep.missing_rate:.1%}; imbalance {rep.imbalance:.1f}x; "
        f"near-duplicate train/test pairs: {len(rep.duplicates)}"
    )
    for problem in rep.problems:
        print(f"PROBLEM: {problem}")
    for warning in rep.warnings:
        print(f"warning: {warning}")
