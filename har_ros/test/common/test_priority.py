"""lower_priority: every thread of the process, including those started before it."""

import os
import subprocess
import sys

import pytest

from har_ros.common.priority import lower_priority

CHILD = """
import os, threading, time
from har_ros.common.priority import lower_priority
started = threading.Event()
def worker():
    started.set()
    time.sleep(5)
threading.Thread(target=worker, daemon=True).start()
started.wait()
changed = lower_priority(7)
tids = [int(t) for t in os.listdir("/proc/self/task")]
late = []
new = threading.Thread(target=lambda: late.append(os.getpriority(os.PRIO_PROCESS, 0)))
new.start()
new.join()
print(changed, sorted({os.getpriority(os.PRIO_PROCESS, t) for t in tids}), late)
"""


def test_every_thread_is_reniced_and_new_threads_inherit_it():
    base = os.getpriority(os.PRIO_PROCESS, 0)
    if base > 7:
        pytest.skip(f"this process already runs at nice {base}")
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split(" ", 1)
    assert int(out[0]) >= 2  # the main thread and the worker at least
    assert out[1].strip() == "[7] [7]"


def test_a_nice_value_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"nice must be in \[0, 19\]"):
        lower_priority(20)
