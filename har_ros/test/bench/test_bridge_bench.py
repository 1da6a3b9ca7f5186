"""`har bench bridge`: the bridge's path per tracker frame, start-up objects frozen or not."""

import gc

import pytest

from har_ros.bench.bridge import frame_times


@pytest.mark.parametrize("frozen", [True, False])
def test_every_frame_is_timed_and_the_freeze_is_undone(frozen):
    samples = frame_times(2, frames=5, frozen=frozen)
    assert len(samples) == 5 and all(s > 0 for s in samples)
    assert gc.get_freeze_count() == 0  # the rest of the process is collected as before
