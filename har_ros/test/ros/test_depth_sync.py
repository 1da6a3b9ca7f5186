"""Colour/depth pairing: the same cases against message_filters' Cache and the fallback."""

import pytest
from sensor_msgs.msg import Image

from har_ros.ros import depth_sync
from har_ros.ros.depth_sync import BuiltinDepthCache, MessageFiltersDepthCache
from har_ros.ros.stamps import ns_to_stamp

IMPLEMENTATIONS = [
    BuiltinDepthCache,
    pytest.param(
        MessageFiltersDepthCache,
        marks=pytest.mark.skipif(
            not depth_sync.message_filters_available(),
            reason="message_filters is not built here (make setup builds it from "
            "../shared/ros2_extras when that folder exists)",
        ),
    ),
]


def depth(stamp_ns: int, name: str) -> Image:
    msg = Image(encoding="16UC1")
    msg.header.stamp = ns_to_stamp(stamp_ns)
    msg.header.frame_id = name
    return msg


@pytest.fixture(params=IMPLEMENTATIONS)
def cache(request):
    return request.param(tolerance_ns=20_000_000, capacity=3)


def test_nearest_within_tolerance_on_either_side(cache):
    for stamp, name in ((1_000_000_000, "a"), (1_033_000_000, "b"), (1_066_000_000, "c")):
        cache.add(depth(stamp, name))
    assert cache.nearest(1_040_000_000).header.frame_id == "b"  # b before, c after
    assert cache.nearest(1_060_000_000).header.frame_id == "c"
    assert cache.nearest(1_100_000_000) is None  # 34 ms from the nearest


def test_oldest_falls_out_at_capacity(cache):
    for stamp, name in ((0, "a"), (33_000_000, "b"), (66_000_000, "c"), (99_000_000, "d")):
        cache.add(depth(stamp, name))
    assert len(cache) == 3 and cache.nearest(0) is None


def test_empty_cache_has_no_match(cache):
    assert cache.nearest(5) is None


def test_tolerance_can_change(cache):
    cache.add(depth(1_000_000_000, "a"))
    cache.tolerance_ns = 100_000_000
    assert cache.nearest(1_090_000_000).header.frame_id == "a"


def test_choice_resolution():
    assert depth_sync.resolve("builtin") == "builtin"
    expected = "message_filters" if depth_sync.message_filters_available() else "builtin"
    assert depth_sync.resolve("auto") == expected
    with pytest.raises(ValueError, match="depth_sync must be one of"):
        depth_sync.resolve("exact")
