"""`har bench training`: optimiser steps timed per model and size, on the device asked for."""

import pytest
import torch

from har_ros.bench.training import step_times


@pytest.mark.parametrize("model_name", ["stgcn", "posec3d", "dstformer"])
def test_each_cpu_size_model_takes_timed_steps(model_name):
    times, parameters = step_times(model_name, "default", torch.device("cpu"), 2)
    assert len(times) == 2 and all(t > 0 for t in times)
    assert 10_000 < parameters < 1_000_000  # the CPU sizes


def test_a_device_this_machine_lacks_is_named(har):
    done = har("bench", "action", "--device", "cpu")
    assert done.returncode == 2 and "--device applies to models and training" in done.stderr
    if not torch.cuda.is_available():  # with CUDA, "cuda" is a device this machine has
        done = har("bench", "training", "--device", "cuda")
        assert done.returncode == 2 and "torch sees no CUDA device" in done.stderr, done.stderr
