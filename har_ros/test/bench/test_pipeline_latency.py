"""The pipeline bench's latency matching: an image counts once, when a decision first names it."""

import pytest

from har_ros.bench.pipeline import _latencies

MS = 1_000_000


def test_first_decision_naming_an_image_gives_its_latency_and_dropped_images_none():
    images = [0, 33 * MS, 66 * MS]  # the second one was dropped by the pose node
    decisions = [(20 * MS, 0), (30 * MS, 0), (90 * MS, 66 * MS), (95 * MS, 66 * MS)]
    assert _latencies(images, decisions) == pytest.approx([0.020, 0.024])
    assert _latencies(images, []) == []
