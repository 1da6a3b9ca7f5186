"""What the benchmarks ran on, with a speed yardstick.

A shared or virtual machine can run the same code at very different speeds
from one day to the next; a single-thread GEMM rate measured with every run
lets two runs' figures be compared (or not) honestly.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import torch


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def reference_gflops(size: int = 256, seconds: float = 0.3) -> float:
    """Best single-thread float32 matrix-product rate over ``seconds``, in GFLOP/s."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        a, b = torch.randn(size, size), torch.randn(size, size)
        best = float("inf")
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            torch.mm(a, b)
            best = min(best, time.perf_counter() - started)
    finally:
        torch.set_num_threads(previous)
    return 2 * size**3 / best / 1e9


def describe() -> dict:
    return {
        "cpu": cpu_model(),
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "reference_gflops_1_thread": round(reference_gflops(), 1),
    }
