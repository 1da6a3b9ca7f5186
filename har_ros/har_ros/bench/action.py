"""Action node step latency: windowing + features + one batched forward pass.

People stand in front of a 30 fps camera. The default (shipped) checkpoint is
compared with `bilstm`, `lstm`, `transformer`, a 4-stream ST-GCN ensemble
and the streaming models `har train --stream` trains (one frame per step,
their own 15 Hz time base and stride 1) on the same people; their weights
are untrained, which does not change their speed. `--ckpt` measures that
checkpoint instead. `core_pct` is the share of one core the node spends on
all frames (steps and buffering). One torch thread, as the node's default.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch

from ..action.checkpoint import Checkpoint, load_checkpoint
from ..action.models import build_model
from ..action.recognizer import DEFAULT_MODEL, ActionRecognizer, RecognizerSettings
from ..action.train import STREAM_SETTINGS
from ..skeleton.layouts import Layout
from ..skeleton.types import Person, SkeletonFrame
from .stats import summarise


def _parity(
    checkpoint: Checkpoint,
    name: str,
    config: dict | None = None,
    features: tuple[str, ...] | None = None,
) -> Checkpoint:
    norm = (
        checkpoint.normalisation
        if features is None
        else dataclasses.replace(checkpoint.normalisation, features=features)
    )
    model = build_model(
        name,
        norm.channels(len(checkpoint.channels) - 1),
        len(checkpoint.class_names),
        checkpoint.layout,
        config,
    )
    return dataclasses.replace(
        checkpoint,
        model_name=name,
        model_config=dict(config or {}),
        state_dict=model.state_dict(),
        normalisation=norm,
    )


def _streaming(checkpoint: Checkpoint, name: str) -> Checkpoint:
    """An untrained streaming model with the normalisation and stride `har train --stream` gives."""
    norm = dataclasses.replace(
        checkpoint.normalisation,
        sampling="stream",
        scale="frame_torso",
        window=STREAM_SETTINGS["window"],
        rate_hz=STREAM_SETTINGS["rate_hz"],
        features=STREAM_SETTINGS["features"],
    )
    return dataclasses.replace(
        _parity(dataclasses.replace(checkpoint, normalisation=norm), name),
        stride=STREAM_SETTINGS["stride"],
    )


def _frames(people: int, count: int, rate: float, layout: Layout):
    """People in the checkpoint's layout (any other would be dropped, not measured).

    Each has 3D joints too (metres, 2-3 m away), which a 3D checkpoint reads.
    """
    rng = np.random.default_rng(0)
    base = rng.uniform(100, 400, (people, layout.num_joints, 3)).astype(np.float32)
    base[..., 2] = 0.9
    base_3d = rng.uniform(-0.4, 0.4, (people, layout.num_joints, 3)).astype(np.float32)
    base_3d[..., 2] += 2.5
    for i in range(count):
        kp = base + rng.normal(0, 2, base.shape).astype(np.float32)
        kp[..., 2] = 0.9
        xyz = base_3d + rng.normal(0, 0.01, base_3d.shape).astype(np.float32)
        yield SkeletonFrame(
            round(i * 1e9 / rate),
            "cam",
            640,
            480,
            [
                Person(kp[p], layout.name, 0.9, (0, 0, 1, 1), track_id=p + 1, keypoints_3d=xyz[p])
                for p in range(people)
            ],
        )


CAMERA_FPS = 30.0


def run(trials: int = 10, ckpt: str = "") -> list[dict]:
    torch.set_num_threads(1)
    default = load_checkpoint(DEFAULT_MODEL)
    models = (
        ((f"{ckpt} ({load_checkpoint(ckpt).model_name})", load_checkpoint(ckpt)),)
        if ckpt
        else (
            ("default stgcn", default),
            ("bilstm", _parity(default, "bilstm")),
            ("lstm", _parity(default, "lstm")),
            ("transformer", _parity(default, "transformer")),
            (
                "stgcn 4-stream ensemble",
                _parity(
                    default, "stgcn", {"streams": 4}, ("position", "motion", "bone", "bone_motion")
                ),
            ),
            ("stream_stgcn (streaming, --stream)", _streaming(default, "stream_stgcn")),
            ("stream_gcn (streaming)", _streaming(default, "stream_gcn")),
        )
    )
    rows = []
    for name, checkpoint in models:
        for people in (1, 5, 20):
            recognizer = ActionRecognizer(checkpoint, RecognizerSettings())
            times, total, count = [], 0.0, 80 * trials + 128
            for frame in _frames(people, count, CAMERA_FPS, checkpoint.layout):
                started = time.perf_counter()
                recognizer.process(frame)
                spent = time.perf_counter() - started
                total += spent
                if recognizer.last_batch:
                    times.append(spent)
            rows.append(
                {
                    "bench": "action",
                    "case": f"{name}, {people} people",
                    "target": "p99 ≤ 5 ms, ≤ 10 % of a core"
                    if people == 5 and (name.startswith(("default", "stream_stgcn")) or ckpt)
                    else ("keeps up with 30 Hz (≤ 33 ms)" if people == 20 else ""),
                    **summarise(times),
                    "core_pct": round(100 * total / (count / CAMERA_FPS), 2),
                }
            )
    return rows
