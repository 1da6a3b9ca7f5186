"""The clock-offset estimate: the least arrival-minus-stamp over a window, following drift."""

import math

import numpy as np
import pytest

from har_ros.common.clock_offset import ClockOffset


def test_the_least_delay_is_the_offset_plus_the_least_transport():
    offset = ClockOffset(window=5.0)
    assert offset.value(0.0) is None
    rng = np.random.default_rng(0)
    for i in range(100):  # stamps 0.3 s behind, 5-40 ms of transport on top
        arrival = 10.0 + i * 0.033
        offset.add(arrival, arrival - 0.3 - rng.uniform(0.005, 0.04))
    assert offset.value() == pytest.approx(0.305, abs=0.002)


def test_stamps_ahead_give_a_negative_offset():
    offset = ClockOffset()
    for i in range(30):
        offset.add(i * 0.1, i * 0.1 + 0.3 - 0.01)  # stamps lead by 0.3 s, 10 ms transport
    assert offset.value() == pytest.approx(-0.29)


def test_old_minima_leave_the_window_and_a_drift_is_followed():
    offset = ClockOffset(window=2.0)
    for i in range(200):  # the source's clock falls behind by 0.1 s every second
        t = i * 0.05
        offset.add(t, t - 0.1 * t)
    assert offset.value() == pytest.approx(0.1 * (199 * 0.05 - 2.0), abs=0.01)
    assert offset.value(199 * 0.05 + 2.1) is None  # silence: nothing left to judge by


def test_a_clock_jumping_back_starts_afresh_and_bad_numbers_are_ignored():
    offset = ClockOffset()
    offset.add(100.0, 99.0)
    offset.add(1.0, 0.99)  # the bag looped
    assert offset.value() == pytest.approx(0.01)
    offset.add(2.0, math.nan)
    offset.add(math.inf, 1.0)
    assert offset.value() == pytest.approx(0.01)
