"""Lower a whole process's CPU priority, so that the elastic load yields to the rest.

Linux applies a nice value per thread, and a thread inherits its creator's:
renicing only the calling thread would leave the middleware's and the
inference backend's threads where they were. Only ever raised (lower
priority), which needs no privilege.
"""

from __future__ import annotations

import os

#: The nice range a process may ask for itself.
NICE_RANGE = (0, 19)


def lower_priority(nice: int) -> int:
    """Every thread of this process to at least ``nice``; returns how many threads changed."""
    low, high = NICE_RANGE
    if not low <= nice <= high:
        raise ValueError(f"nice must be in [{low}, {high}], got {nice}")
    try:
        threads = [int(tid) for tid in os.listdir("/proc/self/task")]
    except FileNotFoundError:  # no procfs: the process as a whole
        threads = [0]
    changed = 0
    for tid in threads:
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
                changed += 1
        except ProcessLookupError:  # the thread ended meanwhile
            continue
    return changed
