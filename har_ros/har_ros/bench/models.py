"""`har bench models`: the training defaults scored on every generalisation protocol.

Each (protocol, seed) run trains with ``TrainConfig`` defaults (plus any
``overrides``, to compare a candidate recipe) and scores top-1 on the
protocol's test set. Runs go to ``jobs`` worker processes with one torch
thread each, so the figures do not depend on how many run at once.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from ..action.protocols import PROTOCOLS, build_protocol

ALPHAS = (0.0, 0.05, 0.1, 0.2)  # test noise ratios of the robustness curve


def run_one(
    protocol: str, seed: int, utd_dir: str | None, overrides: dict, alphas: tuple[float, ...] = ()
) -> dict:
    """Train and score one protocol with one seed (in a worker process)."""
    from ..action.evaluate import robustness

    train_set, test_set = build_protocol(protocol, seed, utd_dir)
    result = _train_and_score(train_set, test_set, {**overrides, "seed": seed})
    checkpoint = result.pop("checkpoint")
    if alphas:
        result["alpha"] = robustness(
            checkpoint, test_set.with_classes(checkpoint.class_names), (), (), alphas
        )["alpha"]
    return {"protocol": protocol, "seed": seed, **result}


def _train_and_score(train_set, test_set, settings: dict) -> dict:
    from ..action.evaluate import evaluate
    from ..action.train import TrainConfig, train

    started = time.perf_counter()
    checkpoint, _ = train(
        train_set, TrainConfig.from_dict({**settings, "threads": 1}, "--set"), progress=False
    )
    seconds = time.perf_counter() - started
    report = evaluate(
        checkpoint,
        test_set.with_classes(checkpoint.class_names),
        settings.get("device", "cpu"),
    )
    return {
        "top1": report["top1"],
        "top5": report["top5"],
        "train_clips": len(train_set),
        "test_clips": len(test_set),
        "epochs": checkpoint.training["config"]["epochs"],
        "best_epoch": checkpoint.training["best_epoch"],
        "train_seconds": round(seconds, 1),
        "checkpoint": checkpoint,
    }


def summary(runs: list[dict]) -> list[dict]:
    """One row per protocol: mean, standard deviation and range of top-1 over seeds."""
    rows = []
    for protocol in dict.fromkeys(r["protocol"] for r in runs):
        mine = [r for r in runs if r["protocol"] == protocol]
        top1 = np.array([r["top1"] for r in mine])
        rows.append(
            {
                "protocol": protocol,
                "seeds": [r["seed"] for r in mine],
                "top1": [round(float(v), 4) for v in top1],
                "mean": float(top1.mean()),
                "std": float(top1.std(ddof=1)) if len(top1) > 1 else 0.0,
                "min": float(top1.min()),
                "max": float(top1.max()),
                "train_clips": mine[0]["train_clips"],
                "test_clips": mine[0]["test_clips"],
                "train_seconds": float(np.mean([r["train_seconds"] for r in mine])),
            }
        )
        if all("alpha" in r for r in mine):
            rows[-1]["alpha"] = {
                a: _spread([r["alpha"][a] for r in mine]) for a in mine[0]["alpha"]
            }
    return rows


def _spread(values: list[float]) -> dict:
    v = np.asarray(values, float)
    return {
        "mean": float(v.mean()),
        "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
        "values": [round(float(x), 4) for x in v],
    }


def run(
    protocols: list[str],
    seeds: list[int],
    utd_dir: str | None,
    jobs: int = 2,
    overrides: dict | None = None,
    progress=print,
    alphas: tuple[float, ...] = (),
) -> dict:
    """Every protocol x seed; protocols needing a missing UTD-MHAD folder are skipped, named."""
    from ..action.train import TrainConfig

    unknown = [p for p in protocols if p not in PROTOCOLS]
    if unknown:
        raise ValueError(f"unknown protocols {unknown}; known: {list(PROTOCOLS)}")
    overrides = dict(overrides or {})
    TrainConfig.from_dict(overrides, "--set").validate()  # before any worker starts
    has_utd = utd_dir is not None and Path(utd_dir).is_dir()
    skipped = [p for p in protocols if PROTOCOLS[p].needs_utd and not has_utd]
    todo = [(p, s) for p in protocols if p not in skipped for s in seeds]
    runs = []
    context = multiprocessing.get_context("spawn")  # fresh torch state in every worker
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        futures = [
            pool.submit(run_one, p, s, utd_dir if has_utd else None, overrides, alphas)
            for p, s in todo
        ]
        for future in futures:
            runs.append(future.result())
            r = runs[-1]
            progress(
                f"{r['protocol']} seed {r['seed']}: top-1 {r['top1']:.3f} "
                f"({r['train_seconds']:.0f} s, {len(runs)}/{len(todo)})"
            )
    return {
        "overrides": overrides,
        "runs": runs,
        "protocols": summary(runs),
        "skipped": {p: f"no UTD-MHAD folder at {utd_dir}" for p in skipped},
    }


def table(result: dict) -> str:
    """The protocols as a Markdown table: mean ± standard deviation, and every seed."""
    lines = [
        "| protocol | train / test clips | top-1 mean ± sd | seeds | training s |",
        "|---|---|---|---|---|",
    ]
    for row in result["protocols"]:
        seeds = " / ".join(f"{100 * v:.1f}" for v in row["top1"])
        lines.append(
            f"| {row['protocol']} | {row['train_clips']} / {row['test_clips']} | "
            f"{100 * row['mean']:.1f} ± {100 * row['std']:.1f} % | {seeds} | "
            f"{row['train_seconds']:.0f} |"
        )
    if result["protocols"]:
        means = [row["mean"] for row in result["protocols"]]
        lines.append(f"| **mean of protocols** | | **{100 * np.mean(means):.1f} %** | | |")
    for name, why in result["skipped"].items():
        lines.append(f"| {name} | skipped: {why} | | | |")
    return "\n".join(lines)


FEW_SHOT_CLIPS = (1, 2, 5, 10, 0)  # clips per class to fine-tune on; 0 = all


def _pretrain(seed: int, utd_dir: str, overrides: dict, path: str) -> dict:
    from ..action.loaders import load_utd_mhad
    from ..action.protocols import class_halves

    first, _ = class_halves(load_utd_mhad(utd_dir))
    train_set = first.subset(first.split != "test")
    result = _train_and_score(
        train_set, first.subset(first.split == "test"), {**overrides, "seed": seed}
    )
    result.pop("checkpoint").save(path)
    return result


def _fine_tune(seed: int, clips: int, init: str, utd_dir: str, overrides: dict) -> dict:
    from ..action.loaders import load_utd_mhad
    from ..action.protocols import class_halves, clips_per_class

    _, second = class_halves(load_utd_mhad(utd_dir))
    train_set = clips_per_class(second.subset(second.split != "test"), clips, seed)
    result = _train_and_score(
        train_set, second.subset(second.split == "test"), {**overrides, "seed": seed, "init": init}
    )
    result.pop("checkpoint")
    return {"seed": seed, "clips_per_class": clips, "init": bool(init), **result}


def few_shot(
    seeds: list[int],
    utd_dir: str,
    work_dir: str | Path,
    jobs: int = 2,
    overrides: dict | None = None,
    clips: tuple[int, ...] = FEW_SHOT_CLIPS,
    progress=print,
) -> dict:
    """Accuracy vs clips per class on UTD-MHAD's second half of classes, over seeds.

    From scratch, and from a checkpoint pretrained on the first half (``--init``).
    """
    from ..action.train import TrainConfig

    if not Path(utd_dir).is_dir():
        raise ValueError(f"the few-shot curve needs the UTD-MHAD skeleton folder: {utd_dir}")
    overrides = dict(overrides or {})
    TrainConfig.from_dict(overrides, "--set").validate()  # before any worker starts
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        paths = {seed: str(work / f"pretrained_{seed}.pt") for seed in seeds}
        pretrained = {
            seed: pool.submit(_pretrain, seed, utd_dir, overrides, paths[seed]) for seed in seeds
        }
        scratch = [
            pool.submit(_fine_tune, seed, k, "", utd_dir, overrides)
            for seed in seeds
            for k in clips
        ]
        for seed in seeds:
            r = pretrained[seed].result()
            progress(f"pretrained seed {seed} on the first half: top-1 {r['top1']:.3f}")
        tuned = [
            pool.submit(_fine_tune, seed, k, paths[seed], utd_dir, overrides)
            for seed in seeds
            for k in clips
        ]
        runs = []
        for future in scratch + tuned:
            runs.append(future.result())
            r = runs[-1]
            progress(
                f"{r['clips_per_class'] or 'all'} clips/class, "
                f"{'--init' if r['init'] else 'scratch'}, seed {r['seed']}: "
                f"top-1 {r['top1']:.3f}"
            )
    rows = []
    for k in clips:
        for init in (False, True):
            mine = [r for r in runs if r["clips_per_class"] == k and r["init"] == init]
            rows.append(
                {
                    "clips_per_class": k,
                    "init": init,
                    **_spread([r["top1"] for r in mine]),
                    "train_clips": mine[0]["train_clips"],
                }
            )
    return {
        "overrides": overrides,
        "runs": runs,
        "curve": rows,
        "pretrained": {seed: future.result() for seed, future in pretrained.items()},
    }


def few_shot_table(result: dict) -> str:
    lines = [
        "| clips per class | training clips | from scratch | `--init` (pretrained on the "
        "other classes) |",
        "|---|---|---|---|",
    ]
    curve = result["curve"]
    for scratch, tuned in zip(curve[::2], curve[1::2], strict=True):
        k = scratch["clips_per_class"] or "all"
        cells = [f"{100 * r['mean']:.1f} ± {100 * r['std']:.1f} %" for r in (scratch, tuned)]
        lines.append(f"| {k} | {scratch['train_clips']} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def alpha_table(result: dict) -> str:
    """Top-1 vs test noise ratio α per protocol (runs made with ``alphas``)."""
    rows = [r for r in result["protocols"] if "alpha" in r]
    if not rows:
        return ""
    alphas = list(rows[0]["alpha"])
    lines = [
        "| protocol | " + " | ".join(f"α {a}" for a in alphas) + " |",
        "|---|" + "---|" * len(alphas),
    ]
    for row in rows:
        cells = [
            f"{100 * row['alpha'][a]['mean']:.1f} ± {100 * row['alpha'][a]['std']:.1f}"
            for a in alphas
        ]
        lines.append(f"| {row['protocol']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
