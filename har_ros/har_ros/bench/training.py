"""Training speed: optimiser steps per second of each model and size on one device.

What a GPU buys is the time of a training step, so this times the step
itself (forward, loss, backward, AdamW) on batches shaped as UTD-MHAD's
(32 clips, 32 frames, 20 joints, 27 classes, the default features), with
no data loading and no ROS: it runs where only torch is. On CUDA each
model is timed in float32 and with ``--amp``'s float16 autocast. The same
command on the CPU and on a GPU gives the speed-up.
"""

from __future__ import annotations

import time

import torch

from ..action.devices import resolve_device
from ..action.models import build_model, model_settings
from ..action.train import TrainConfig
from ..skeleton.layouts import UTD_KINECT20
from .stats import summarise

BATCH, FRAMES, CLASSES = 32, 32, 27
CHANNELS = TrainConfig().normalisation().channels(2)  # x, y in the default features + mask
CASES = (
    ("stgcn", "default"),
    ("posec3d", "cpu"),
    ("dstformer", "cpu"),
    ("posec3d", "standard"),
    ("dstformer", "standard"),
)
WARM_UP = 2


def step_times(
    model_name: str, size: str, device: torch.device, steps: int, amp: bool = False
) -> tuple[list[float], int]:
    """Seconds of each of ``steps`` optimiser steps after a warm-up, and the parameter count."""
    torch.manual_seed(0)
    config = {} if size == "default" else {"size": size}
    model = build_model(
        model_name, CHANNELS, CLASSES, UTD_KINECT20, model_settings(model_name, config)
    ).to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler("cuda") if amp else None
    x = torch.randn(BATCH, CHANNELS, FRAMES, UTD_KINECT20.num_joints, device=device)
    x[:, -1] = 1.0  # every joint seen
    y = torch.randint(0, CLASSES, (BATCH,), device=device)
    times = []
    for step in range(WARM_UP + steps):
        started = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.float16, enabled=amp):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        optimiser.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()
            optimiser.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimiser)
            scaler.update()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if step >= WARM_UP:
            times.append(time.perf_counter() - started)
    return times, sum(p.numel() for p in model.parameters())


def run(trials: int = 10, device: str = "auto", **_) -> list[dict]:
    where = resolve_device(device or "auto")
    rows = []
    for model_name, size in CASES:
        for amp in (False, True) if where.type == "cuda" else (False,):
            times, parameters = step_times(model_name, size, where, max(1, trials), amp)
            stats = summarise(times)
            rows.append(
                {
                    "bench": "training",
                    "case": f"{model_name} {size}, batch {BATCH}" + (", amp" if amp else ""),
                    **stats,
                    "target": "",
                    "device": str(where),
                    "threads": torch.get_num_threads(),
                    "parameters_m": round(parameters / 1e6, 2),
                    "clips_per_s": round(BATCH / (stats["median_ms"] / 1000.0), 1),
                }
            )
    return rows
