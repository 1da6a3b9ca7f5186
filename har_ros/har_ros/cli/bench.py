"""`har bench`: measure speed on this machine and print a table (or JSON)."""

from __future__ import annotations

import argparse
import importlib
import json

from ..bench.machine import describe

SUITES = ("pose", "action", "safety", "pipeline", "cell")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("suite", nargs="?", default="all", choices=(*SUITES, "all"))
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--trials", type=int, default=10, help="repetitions where it applies")


def _table(rows: list[dict]) -> str:
    columns = ["bench", "case", "n", "median_ms", "p99_ms", "max_ms", "target"]
    extra = sorted({k for row in rows for k in row} - set(columns))
    columns += extra
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [f"{row[c]:.2f}" if isinstance(row.get(c), float) else str(row.get(c, ""))
                 for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    suites = SUITES if args.suite == "all" else (args.suite,)
    rows: list[dict] = []
    for suite in suites:
        rows += importlib.import_module(f"har_ros.bench.{suite}").run(trials=args.trials)
    machine = describe()  # after the runs, so the yardstick does not warm anything for them
    if args.json:
        print(json.dumps({"machine": machine, "rows": rows}, indent=2))
    else:
        print(f"machine: {machine['cpu']} ({machine['arch']}), {machine['cores']} cores, "
              f"single-thread GEMM {machine['reference_gflops_1_thread']} GFLOP/s\n"
              f"{_table(rows)}")
    return 0
