"""CPU and memory figures of a process, read from /proc."""

import os
import subprocess
import sys
import time

import pytest

from har_ros.common.process_stats import CpuWindow, cpu_seconds, peak_rss_kb, rss_kb


def test_memory_figures_follow_an_allocation():
    # a child of its own: a process that trained torch models before (the suite's) may
    # reuse memory it already holds for the block, and its resident size does not move
    child = subprocess.Popen(
        [sys.executable, "-c", _ALLOCATE_ON_A_LINE], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        child.stdout.readline()  # numpy imported
        before = rss_kb(child.pid)
        child.stdin.write(b"\n")
        child.stdin.flush()
        child.stdout.readline()  # the block allocated
        after = rss_kb(child.pid)
        assert after - before > 50_000
        assert peak_rss_kb(child.pid) >= after
    finally:
        child.kill()
        child.wait()


_ALLOCATE_ON_A_LINE = """
import sys
import numpy as np
print(flush=True)
sys.stdin.readline()
block = np.ones(64 * 2**20 // 8)  # 64 MiB, touched
print(flush=True)
sys.stdin.readline()
"""


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
