"""`har predict`: top-5 classes with probabilities for one sequence of a dataset."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ckpt", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--index", type=int, required=True)


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from ..action.checkpoint import CheckpointError, load_checkpoint
    from ..action.preprocess import window_features
    from .data import load_data

    try:
        checkpoint = load_checkpoint(args.ckpt)
    except CheckpointError as exc:
        raise SystemExit(f"error: {exc}") from None
    dataset = load_data(args.data)
    if not 0 <= args.index < len(dataset):
        raise SystemExit(f"--index must be in [0, {len(dataset) - 1}]")
    x = window_features(dataset.sequences[args.index], dataset.layout, checkpoint.normalisation)
    with torch.inference_mode():
        probs = torch.softmax(checkpoint.build()(torch.from_numpy(x[None])), dim=1)[0].numpy()
    top = np.argsort(-probs)[:5]
    print(
        json.dumps(
            {
                "index": args.index,
                "truth": dataset.class_names[dataset.labels[args.index]],
                "top5": [
                    {"label": checkpoint.class_names[i], "probability": round(float(probs[i]), 4)}
                    for i in top
                ],
            }
        )
    )
    return 0
