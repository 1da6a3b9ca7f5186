"""`har bench`: measure speed on this machine and print a table (or JSON)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

from ..bench.machine import describe

SUITES = ("pose", "action", "bridge", "safety", "pipeline", "cell")  # "all"; `models` trains, apart
PROFILED = ("pipeline", "cell")
DEFAULT_UTD = os.environ.get("HAR_UTD_MHAD", "../shared/datasets/utd_mhad/skeleton")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "suite",
        nargs="?",
        default="all",
        choices=(*SUITES, "models", "training", "all"),
        help="models: train and score the defaults on every generalisation "
        "protocol (minutes per run); training: optimiser steps per second of each "
        "model and size on --device (neither is part of all)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--trials", type=int, default=10, help="repetitions where it applies")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cell and pipeline: CPU ms per frame per process and stage "
        "(docs/BENCHMARKS.md, 'Where the CPU goes')",
    )
    parser.add_argument(
        "--ckpt",
        default="",
        metavar="PATH",
        help="action: measure this checkpoint (any model, the streaming one "
        "included) instead of the built-in list",
    )
    parser.add_argument(
        "--overload",
        action="store_true",
        help="cell: only the overload case, 6 cameras at 30 fps (frames "
        "dropped per camera, the speed command's deadline kept)",
    )
    models = parser.add_argument_group("models")
    models.add_argument("--protocols", default="", help="comma-separated (default: all)")
    models.add_argument("--seeds", default="0,1,2")
    models.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="runs at once, one torch thread each"
    )
    models.add_argument(
        "--utd", default=DEFAULT_UTD, help="UTD-MHAD skeleton folder (env HAR_UTD_MHAD)"
    )
    models.add_argument(
        "--set",
        default="{}",
        metavar="JSON",
        help="training settings to try instead of the defaults, e.g. '{\"epochs\": 120}'",
    )
    models.add_argument("--out", default="", help="also write the JSON result here")
    models.add_argument(
        "--device",
        default="",
        help="models and training: train on cpu, auto, cuda, cuda:N (default: auto)",
    )
    models.add_argument(
        "--alpha",
        action="store_true",
        help="also score every run at test noise ratios α 0, 0.05, 0.1, 0.2",
    )
    models.add_argument(
        "--few-shot",
        action="store_true",
        help="instead: accuracy vs clips per class (1, 2, 5, 10, all) on half "
        "of UTD-MHAD's classes, from scratch and --init from the other "
        "half",
    )


def _table(rows: list[dict]) -> str:
    columns = ["bench", "case", "n", "median_ms", "p99_ms", "max_ms", "target"]
    extra = sorted({k for row in rows for k in row} - set(columns))
    columns += extra
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [
            f"{row[c]:.2f}" if isinstance(row.get(c), float) else str(row.get(c, ""))
            for c in columns
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _models(args: argparse.Namespace) -> int:
    import tempfile

    from ..action.protocols import PROTOCOLS
    from ..bench import models

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        overrides = json.loads(args.set)
        if not isinstance(overrides, dict):
            raise ValueError("--set must be a JSON object of training settings")
        if args.device:
            overrides["device"] = args.device
        seeds = [int(s) for s in args.seeds.split(",") if s]
        if args.few_shot:
            with tempfile.TemporaryDirectory() as work:
                result = models.few_shot(
                    seeds, args.utd, work, args.jobs, overrides, progress=progress
                )
            text = models.few_shot_table(result)
        else:
            result = models.run(
                [p for p in args.protocols.split(",") if p] or list(PROTOCOLS),
                seeds,
                args.utd,
                args.jobs,
                overrides,
                progress,
                models.ALPHAS if args.alpha else (),
            )
            text = "\n\n".join(t for t in (models.table(result), models.alpha_table(result)) if t)
    except (ValueError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result["machine"] = describe()
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2) if args.json else text)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.suite == "models":
        return _models(args)
    suites = SUITES if args.suite == "all" else (args.suite,)
    if args.device and suites != ("training",):
        print("error: --device applies to models and training", file=sys.stderr)
        return 2
    if args.profile and not set(suites) <= set(PROFILED):
        print(
            f"error: --profile applies to {' and '.join(PROFILED)}, not {args.suite}",
            file=sys.stderr,
        )
        return 2
    if args.overload and suites != ("cell",):
        print("error: --overload applies to cell", file=sys.stderr)
        return 2
    from ..action.checkpoint import CheckpointError

    rows: list[dict] = []
    for suite in suites:
        options = {"profile": True} if args.profile else {}
        if args.overload:
            options["overload_only"] = True
        if args.ckpt:
            if suite != "action":
                print("error: --ckpt applies to action", file=sys.stderr)
                return 2
            options["ckpt"] = args.ckpt
        if suite == "training":
            from ..action.devices import resolve_device

            try:
                resolve_device(args.device or "auto")
            except ValueError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            options["device"] = args.device
        try:
            rows += importlib.import_module(f"har_ros.bench.{suite}").run(
                trials=args.trials, **options
            )
        except CheckpointError as exc:  # --ckpt names a file that is no usable checkpoint
            print(f"error: {exc}", file=sys.stderr)
            return 2
    machine = describe()  # after the runs, so the yardstick does not warm anything for them
    if args.json:
        print(json.dumps({"machine": machine, "rows": rows}, indent=2))
    else:
        print(
            f"machine: {machine['cpu']} ({machine['arch']}), {machine['cores']} cores, "
            f"single-thread GEMM {machine['reference_gflops_1_thread']} GFLOP/s\n"
            f"{_table(rows)}"
        )
    return 0
