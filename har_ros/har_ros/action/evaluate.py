"""Evaluation: top-1/top-5, per-class scores, confusion, calibration error, robustness.

The calibration error is given without and with the checkpoint's temperature.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .augment import add_noise, drop_joints
from .calibration import (
    confidence_and_correct,
    expected_calibration_error,
    reliability_table,
    softmax,
)
from .checkpoint import Checkpoint
from .contrastive import noised
from .dataset import SequenceDataset
from .devices import resolve_device
from .train import clip_logits


def scores(logits: np.ndarray, labels: np.ndarray, class_names: list[str]) -> dict:
    k = len(class_names)
    pred = logits.argmax(axis=1)
    top5 = np.argsort(-logits, axis=1)[:, :5]
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (labels, pred), 1)
    per_class = {}
    for c, name in enumerate(class_names):
        tp = confusion[c, c]
        precision = tp / confusion[:, c].sum() if confusion[:, c].sum() else 0.0
        recall = tp / confusion[c].sum() if confusion[c].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {
            "precision": float(precision),
            "recall": float(recall),
            "f1": float(f1),
            "support": int(confusion[c].sum()),
        }
    return {
        "top1": float((pred == labels).mean()) if len(labels) else 0.0,
        "top5": float(np.mean([lab in row for lab, row in zip(labels, top5, strict=True)]))
        if len(labels)
        else 0.0,
        "n": len(labels),
        "per_class": per_class,
        "confusion": confusion.tolist(),
    }


def evaluate(checkpoint: Checkpoint, dataset: SequenceDataset, device: str = "cpu") -> dict:
    model = checkpoint.build().to(resolve_device(device))
    logits = clip_logits(model, dataset, checkpoint.normalisation)
    report = scores(logits, dataset.labels, checkpoint.class_names)
    report["calibration"] = calibration_report(
        logits, dataset.labels, checkpoint.calibration.temperature
    )
    return report


def calibration_report(logits: np.ndarray, labels: np.ndarray, temperature: float) -> dict:
    """ECE of the confidences without and with the checkpoint's temperature."""
    raw = confidence_and_correct(softmax(logits), labels)
    scaled = confidence_and_correct(softmax(logits / temperature), labels)
    return {
        "temperature": temperature,
        "ece_uncalibrated": expected_calibration_error(*raw),
        "ece": expected_calibration_error(*scaled),
        "reliability": reliability_table(*scaled),
    }


def robustness(
    checkpoint: Checkpoint,
    dataset: SequenceDataset,
    noise_levels=(0.0, 0.02, 0.05, 0.1, 0.2),
    dropout_levels=(0.0, 0.1, 0.2, 0.3),
    alpha_levels=(0.0, 0.05, 0.1, 0.2),
    seed: int = 0,
    device: str = "cpu",
) -> dict:
    """Top-1 vs keypoint noise σ (× torso length), joint dropout, and noise ratio α.

    α is the detector-like noise of contrastive training, every kind at once.
    """
    model = checkpoint.build().to(resolve_device(device))
    norm, layout = checkpoint.normalisation, dataset.layout
    out = {"noise": {}, "dropout": {}, "alpha": {}}
    for alpha in alpha_levels:
        rng = np.random.default_rng(seed)
        perturbed = [noised(s, layout, alpha, rng) for s in dataset.sequences]
        out["alpha"][str(alpha)] = _top1(model, perturbed, dataset, norm)
    for sigma in noise_levels:
        rng = np.random.default_rng(seed)
        noisy = [add_noise(s, sigma, layout, rng) for s in dataset.sequences]
        out["noise"][str(sigma)] = _top1(model, noisy, dataset, norm)
    for rate in dropout_levels:
        rng = np.random.default_rng(seed)
        dropped = [drop_joints(s, rate, rng) for s in dataset.sequences]
        out["dropout"][str(rate)] = _top1(model, dropped, dataset, norm)
    return out


def _top1(model, sequences, dataset, norm) -> float:
    perturbed = replace(dataset, sequences=sequences)  # its rate (meta) kept
    return float((clip_logits(model, perturbed, norm).argmax(1) == dataset.labels).mean())
