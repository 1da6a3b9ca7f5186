"""Evaluation figures: confusion matrix, training curves, robustness curves (PNG)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .checkpoint import Checkpoint


def write_plots(report: dict, checkpoint: Checkpoint, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    names = checkpoint.class_names
    confusion = np.asarray(report["confusion"], dtype=float)
    rows = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    size = max(5, 0.35 * len(names) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), [n[:22] for n in names], rotation=90, fontsize=7)
    ax.set_yticks(range(len(names)), [n[:22] for n in names], fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{checkpoint.model_name}: top-1 {report['top1']:.3f} (n={report['n']})")
    fig.tight_layout()
    written.append(out / "confusion_matrix.png")
    fig.savefig(written[-1], dpi=100)
    plt.close(fig)

    history = checkpoint.training.get("history")
    if history and history.get("epoch"):
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.plot(history["epoch"], history["train_loss"], label="train loss")
        ax.plot(history["epoch"], history["val_loss"], label="val loss")
        ax2 = ax.twinx()
        ax2.plot(history["epoch"], history["val_acc"], "g--", label="val accuracy")
        ax.set_xlabel("epoch")
        ax.legend(loc="upper left")
        ax2.legend(loc="upper right")
        fig.tight_layout()
        written.append(out / "training_curves.png")
        fig.savefig(written[-1], dpi=100)
        plt.close(fig)

    if "robustness" in report:
        fig, axes = plt.subplots(1, len(report["robustness"]), figsize=(13, 3.5))
        for ax, (kind, curve) in zip(axes, report["robustness"].items(), strict=False):
            xs = [float(k) for k in curve]
            ax.plot(xs, list(curve.values()), "o-")
            ax.set_xlabel(
                {
                    "noise": "keypoint noise σ (× torso)",
                    "dropout": "joint dropout",
                    "alpha": "detector-like noise ratio α",
                }.get(kind, kind)
            )
            ax.set_ylabel("top-1")
            ax.set_ylim(0, 1)
            ax.grid(alpha=0.3)
        fig.tight_layout()
        written.append(out / "robustness.png")
        fig.savefig(written[-1], dpi=100)
        plt.close(fig)
    return written
