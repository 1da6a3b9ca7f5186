"""The machine description that goes with every benchmark run."""

import math

import torch

from har_ros.bench.machine import describe, reference_gflops


def test_reference_rate_is_a_finite_positive_figure_and_thread_count_is_restored():
    torch.set_num_threads(2)
    rate = reference_gflops(size=64, seconds=0.05)
    assert math.isfinite(rate) and rate > 0
    assert torch.get_num_threads() == 2


def test_description_names_cpu_cores_and_the_yardstick():
    machine = describe()
    assert machine["cores"] >= 1 and machine["cpu"]
    assert machine["reference_gflops_1_thread"] > 0
