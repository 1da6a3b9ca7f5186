"""Pair each colour frame with the depth frame nearest in stamp.

With the ROS ``message_filters`` package (a real ROS install, or the
../shared/ros2_extras build) depth arrives through a
``message_filters.Subscriber`` into a ``message_filters.Cache`` and is looked up
on both sides of the colour stamp. Where message_filters is not importable
(PyPI-only machines) a plain subscription fills the built-in
``NearestStampBuffer`` instead. Colour never waits for depth in either case:
without a depth frame within the tolerance the frame is processed without 3D,
which is why a Cache and not an ApproximateTimeSynchronizer (that would hold
colour back until a depth frame pairs with it).
"""

from __future__ import annotations

import importlib.util

from rclpy.clock import ClockType
from rclpy.time import Time

from ..pose.node_config import DEPTH_SYNC_CHOICES as CHOICES
from ..pose.sync import NearestStampBuffer
from .stamps import stamp_to_ns


def message_filters_available() -> bool:
    return importlib.util.find_spec("message_filters") is not None


def resolve(choice: str) -> str:
    """The implementation ``choice`` stands for here; ValueError if it cannot be had."""
    if choice not in CHOICES:
        raise ValueError(f"depth_sync must be one of {CHOICES}, got {choice!r}")
    if choice == "auto":
        return "message_filters" if message_filters_available() else "builtin"
    if choice == "message_filters" and not message_filters_available():
        raise ValueError(
            "depth_sync message_filters: the message_filters package is not "
            "installed (use auto or builtin)"
        )
    return choice


class MessageFiltersDepthCache:
    """``message_filters.Cache`` queried for the stamp nearest to a colour frame."""

    def __init__(self, tolerance_ns: int, capacity: int = 10, source=None):
        import message_filters

        self.tolerance_ns = tolerance_ns
        self._cache = message_filters.Cache(
            source or message_filters.SimpleFilter(), cache_size=capacity
        )

    def add(self, msg) -> None:
        self._cache.add(msg)

    def nearest(self, stamp_ns: int):
        when = Time(nanoseconds=stamp_ns, clock_type=ClockType.ROS_TIME)
        candidates = [
            m
            for m in (self._cache.getElemBeforeTime(when), self._cache.getElemAfterTime(when))
            if m is not None
        ]
        best = min(
            candidates, key=lambda m: abs(stamp_to_ns(m.header.stamp) - stamp_ns), default=None
        )
        if best is None or abs(stamp_to_ns(best.header.stamp) - stamp_ns) > self.tolerance_ns:
            return None
        return best

    def __len__(self) -> int:
        return len(self._cache.cache_msgs)


class BuiltinDepthCache:
    """The fallback: the project's NearestStampBuffer keyed by header stamps."""

    def __init__(self, tolerance_ns: int, capacity: int = 10):
        self._buffer = NearestStampBuffer(tolerance_ns, capacity)

    @property
    def tolerance_ns(self) -> int:
        return self._buffer.tolerance_ns

    @tolerance_ns.setter
    def tolerance_ns(self, value: int) -> None:
        self._buffer.tolerance_ns = value

    def add(self, msg) -> None:
        self._buffer.add(stamp_to_ns(msg.header.stamp), msg)

    def nearest(self, stamp_ns: int):
        return self._buffer.nearest(stamp_ns)

    def __len__(self) -> int:
        return len(self._buffer)


def subscribe_depth(node, msg_type, topic: str, qos, tolerance_ns: int, choice: str):
    """Subscribe ``topic`` into a depth cache; (cache, implementation name, subscription)."""
    implementation = resolve(choice)
    if implementation == "message_filters":
        import message_filters

        source = message_filters.Subscriber(node, msg_type, topic, qos_profile=qos)
        return MessageFiltersDepthCache(tolerance_ns, source=source), implementation, source.sub
    cache = BuiltinDepthCache(tolerance_ns)
    return cache, implementation, node.create_subscription(msg_type, topic, cache.add, qos)
