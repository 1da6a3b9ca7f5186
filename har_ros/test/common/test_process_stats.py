"""CPU and memory figures of a process, read from /proc."""

import os
import time

import numpy as np
import pytest

from har_ros.common.process_stats import CpuWindow, cpu_seconds, peak_rss_kb, rss_kb


def test_memory_figures_follow_an_allocation():
    before = rss_kb(os.getpid())
    block = np.ones(64 * 2**20 // 8)  # 64 MiB, touched
    after = rss_kb(os.getpid())
    assert after - before > 50_000
    assert peak_rss_kb(os.getpid()) >= after
    del block


def test_cpu_window_sees_a_busy_loop_and_an_idle_sleep():
    # Busy until this process has used 0.2 s of CPU (however loaded the machine is), then
    # the window's percentage must agree with that CPU time over the wall time it took.
    window = CpuWindow(os.getpid())
    start_cpu, started = time.process_time(), time.monotonic()
    window.start()
    while time.process_time() - start_cpu < 0.2 and time.monotonic() - started < 10:
        pass
    expected = 100 * (time.process_time() - start_cpu) / (time.monotonic() - started)
    assert window.percent() == pytest.approx(expected, abs=15)
    window.start()
    time.sleep(0.3)
    assert window.percent() < 20
    assert cpu_seconds(os.getpid()) > 0


def test_a_missing_process_is_a_clear_error():
    with pytest.raises(FileNotFoundError):
        rss_kb(2**22 + 1)  # above the kernel's largest pid
