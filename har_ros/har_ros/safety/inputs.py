"""The safety node's inputs: when each arrived, and whether it can be trusted.

An input is judged by arrival (older than its timeout: stale) and, when the
caller passes the node's clock, by its header stamp: a stamp older than the
timeout is stale however recently it arrived, and a stamp further in the
future than ``max_future_stamp`` is a clock that is not synchronised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..common.clock_offset import ClockOffset


@dataclass(frozen=True)
class InputHealth:
    """One input as the policy judges it: what the status shows and what a stop names."""

    name: str  # its topic: skeletons, action, robot_position, coverage
    age: float  # s since its newest message arrived (inf: none yet)
    stamp_age: float  # s by that message's header stamp on the node's clock (nan: not judged)
    required: bool  # stale and required: a stop; stale actions otherwise: the conservative rule
    healthy: bool
    why: str  # what is wrong with it ("" when healthy)


@dataclass
class InputClock:
    """When an input last arrived, its newest stamp, and its source's clock offset."""

    last: float | None = None  # arrival, monotonic s
    stamp: float | None = None  # header stamp of the newest message, node-clock s
    offset: ClockOffset = field(default_factory=ClockOffset)  # the source's clock vs ours

    def arrived(self, now: float, stamp: float | None, arrival_clock: float | None) -> None:
        """A message stamped ``stamp`` arrived at ``now`` (monotonic), ``arrival_clock`` (ours)."""
        self.last, self.stamp = now, stamp
        if stamp is not None and arrival_clock is not None:
            self.offset.add(arrival_clock, stamp)

    def age(self, now: float) -> float:
        return math.inf if self.last is None else max(0.0, now - self.last)

    def stamp_age(self, clock_now: float | None) -> float | None:
        """Age by header stamp (negative: from the future); None when not judged by stamp."""
        if clock_now is None or self.stamp is None:
            return None
        return clock_now - self.stamp

    def forget(self) -> None:
        self.last = self.stamp = None
        self.offset.clear()


def input_problem(
    name: str,
    clock: InputClock,
    timeout: float,
    now: float,
    clock_now: float | None,
    max_future_stamp: float,
) -> str | None:
    """Why the input ``name`` cannot be trusted at ``now`` (None: it can).

    "no ... received yet" for an input that never arrived (since a clock jump).
    """
    age = clock.age(now)
    if age > timeout:
        if clock.last is None:
            return f"no {name} received yet"
        return f"{name} stale: last {age:.2f} s ago (timeout {timeout:.2f} s)"
    return stamp_problem(name, clock, timeout, clock_now, max_future_stamp)


def stamp_problem(
    name: str,
    clock: InputClock,
    timeout: float,
    clock_now: float | None,
    max_future_stamp: float,
) -> str | None:
    """Why the input's header stamp cannot be trusted (None: it can, or it is not judged)."""
    stamp_age = clock.stamp_age(clock_now)
    if stamp_age is None:
        return None
    if stamp_age < -max_future_stamp:
        return (
            f"{name} stamped {-stamp_age:.2f} s in the future of the node's clock "
            f"(tolerance {max_future_stamp:.2f} s; clock not synchronised, "
            "or sim time without /clock)"
        )
    if stamp_age > timeout:
        return f"{name} stale by stamp: {stamp_age:.2f} s old (timeout {timeout:.2f} s)"
    return None
