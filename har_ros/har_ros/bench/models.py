"""`har bench models`: the training defaults scored on every generalisation protocol.

Each (protocol, seed) run trains with ``TrainConfig`` defaults (plus any
``overrides``, to compare a candidate recipe) and scores top-1 on the
protocol's test set. Runs go to ``jobs`` worker processes with one torch
thread each, so the figures do not depend on how many run at once.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from ..action.protocols import PROTOCOLS, build_protocol


def run_one(protocol: str, seed: int, utd_dir: str | None, overrides: dict) -> dict:
    """Train and score one protocol with one seed (in a worker process)."""
    from ..action.evaluate import evaluate
    from ..action.train import TrainConfig, train

    train_set, test_set = build_protocol(protocol, seed, utd_dir)
    config = TrainConfig(**{**overrides, "seed": seed, "threads": 1})
    started = time.perf_counter()
    checkpoint, _ = train(train_set, config, progress=False)
    seconds = time.perf_counter() - started
    report = evaluate(checkpoint, test_set.with_classes(checkpoint.class_names))
    used = checkpoint.training["config"]
    return {"protocol": protocol, "seed": seed, "top1": report["top1"], "top5": report["top5"],
            "train_clips": len(train_set), "test_clips": len(test_set),
            "epochs": used["epochs"], "best_epoch": checkpoint.training["best_epoch"],
            "train_seconds": round(seconds, 1)}


def summary(runs: list[dict]) -> list[dict]:
    """One row per protocol: mean, standard deviation and range of top-1 over seeds."""
    rows = []
    for protocol in dict.fromkeys(r["protocol"] for r in runs):
        mine = [r for r in runs if r["protocol"] == protocol]
        top1 = np.array([r["top1"] for r in mine])
        rows.append({"protocol": protocol, "seeds": [r["seed"] for r in mine],
                     "top1": [round(float(v), 4) for v in top1],
                     "mean": float(top1.mean()), "std": float(top1.std(ddof=1))
                     if len(top1) > 1 else 0.0, "min": float(top1.min()),
                     "max": float(top1.max()), "train_clips": mine[0]["train_clips"],
                     "test_clips": mine[0]["test_clips"],
                     "train_seconds": float(np.mean([r["train_seconds"] for r in mine]))})
    return rows


def run(protocols: list[str], seeds: list[int], utd_dir: str | None, jobs: int = 2,
        overrides: dict | None = None, progress=print) -> dict:
    """Every protocol x seed; protocols needing a missing UTD-MHAD folder are skipped, named."""
    from ..action.train import TrainConfig

    unknown = [p for p in protocols if p not in PROTOCOLS]
    if unknown:
        raise ValueError(f"unknown protocols {unknown}; known: {list(PROTOCOLS)}")
    overrides = dict(overrides or {})
    bad = set(overrides) - {f.name for f in dataclasses.fields(TrainConfig)}
    if bad:
        raise ValueError(f"unknown training settings {sorted(bad)}")
    has_utd = utd_dir is not None and Path(utd_dir).is_dir()
    skipped = [p for p in protocols if PROTOCOLS[p].needs_utd and not has_utd]
    todo = [(p, s) for p in protocols if p not in skipped for s in seeds]
    runs = []
    context = multiprocessing.get_context("spawn")  # fresh torch state in every worker
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        futures = [pool.submit(run_one, p, s, utd_dir if has_utd else None, overrides)
                   for p, s in todo]
        for future in futures:
            runs.append(future.result())
            r = runs[-1]
            progress(f"{r['protocol']} seed {r['seed']}: top-1 {r['top1']:.3f} "
                     f"({r['train_seconds']:.0f} s, {len(runs)}/{len(todo)})")
    return {"overrides": overrides, "runs": runs, "protocols": summary(runs),
            "skipped": {p: f"no UTD-MHAD folder at {utd_dir}" for p in skipped}}


def table(result: dict) -> str:
    """The protocols as a Markdown table: mean ± standard deviation, and every seed."""
    lines = ["| protocol | train / test clips | top-1 mean ± sd | seeds | training s |",
             "|---|---|---|---|---|"]
    for row in result["protocols"]:
        seeds = " / ".join(f"{100 * v:.1f}" for v in row["top1"])
        lines.append(f"| {row['protocol']} | {row['train_clips']} / {row['test_clips']} | "
                     f"{100 * row['mean']:.1f} ± {100 * row['std']:.1f} % | {seeds} | "
                     f"{row['train_seconds']:.0f} |")
    if result["protocols"]:
        means = [row["mean"] for row in result["protocols"]]
        lines.append(f"| **mean of protocols** | | **{100 * np.mean(means):.1f} %** | | |")
    for name, why in result["skipped"].items():
        lines.append(f"| {name} | skipped: {why} | | | |")
    return "\n".join(lines)
