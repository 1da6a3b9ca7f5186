"""StageCpu: thread CPU per stage, cumulative, and per frame between two readings."""

import threading
import time

import pytest

from har_ros.common.stage_cpu import StageCpu, per_frame_ms


def _spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_cpu_is_counted_per_stage_and_sleeping_costs_nothing():
    stages = StageCpu()
    before = stages.diagnostic_values()
    for _ in range(4):
        with stages.stage("inference"):
            _spin(0.01)
        with stages.stage("publish"):
            time.sleep(0.01)  # waiting is not CPU
        stages.frame_done()
    per_frame = per_frame_ms(before, stages.diagnostic_values())
    assert per_frame["inference"] == pytest.approx(10.0, abs=3.0)
    assert per_frame["publish"] < 1.0


def test_another_threads_work_is_not_counted():
    stages = StageCpu()
    busy = threading.Thread(target=_spin, args=(0.05,))
    with stages.stage("wait"):
        busy.start()
        busy.join()
    stages.frame_done()
    assert stages.diagnostic_values()["cpu_ms_wait"] < 10.0


def test_no_frames_in_the_window_gives_nothing():
    stages = StageCpu()
    reading = stages.diagnostic_values()
    assert per_frame_ms(reading, reading) == {}


def test_a_thread_pool_stage_counts_the_pool():
    stages = StageCpu()
    worker = threading.Thread(target=_spin, args=(0.03,))
    with stages.stage("inference", whole_process=True):
        worker.start()
        worker.join()
    stages.frame_done()
    assert stages.diagnostic_values()["cpu_ms_inference"] >= 20.0
