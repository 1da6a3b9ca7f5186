"""unsafe_decision: the staleness guarantee the overload and kill tests hold the node to."""

from har_msgs.msg import SafetyStatus
from har_ros.bench.cell import unsafe_decision
from har_ros.ros.stamps import ns_to_stamp

NOW = 1_700_000_000_000_000_000
TIMEOUT = 0.5


def status(age_s: float | None, scale: float, reason: str) -> SafetyStatus:
    """A decision at NOW on skeletons ``age_s`` old (None: no skeletons yet)."""
    used = ns_to_stamp(NOW - round(age_s * 1e9)) if age_s is not None else ns_to_stamp(0)
    msg = SafetyStatus(speed_scale=scale, reason=reason, skeletons_stamp=used)
    msg.header.stamp = ns_to_stamp(NOW)
    return msg


def test_moving_on_fresh_skeletons_and_stopping_on_stale_ones_is_safe():
    assert unsafe_decision(status(0.49, 0.8, "no person in view"), TIMEOUT) is None
    assert (
        unsafe_decision(
            status(
                0.7, 0.0, "protective stop: skeletons stale by stamp: 0.70 s old (timeout 0.50 s)"
            ),
            TIMEOUT,
        )
        is None
    )
    assert unsafe_decision(status(None, 0.0, "startup: no skeletons received yet"), TIMEOUT) is None


def test_moving_on_old_skeletons_or_stopping_without_saying_why_is_named():
    moving = unsafe_decision(status(0.6, 0.3, "person 1 (waiting) at 3.00 m"), TIMEOUT)
    assert moving is not None and "speed 0.30 on skeletons 0.600 s old" in moving
    silent = unsafe_decision(status(0.6, 0.0, "protective stop: person 1 at 0.50 m"), TIMEOUT)
    assert silent is not None and "person 1 at 0.50 m" in silent
    assert unsafe_decision(status(None, 0.2, "no person in view"), TIMEOUT) is not None
