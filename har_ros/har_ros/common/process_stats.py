"""CPU use and memory of a running process, read from Linux's /proc (no extra dependency)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(f"{key} not in /proc/{pid}/status")


def rss_kb(pid: int) -> int:
    """Resident memory now, KiB."""
    return _status_kb(pid, "VmRSS")


def peak_rss_kb(pid: int) -> int:
    """Largest resident memory so far (high-water mark), KiB."""
    return _status_kb(pid, "VmHWM")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


@dataclass
class CpuWindow:
    """CPU % of one process over a window: start(), then percent() at its end.

    100 % is one core fully busy.
    """

    pid: int
    _cpu: float = 0.0
    _wall: float = 0.0

    def start(self) -> None:
        self._cpu, self._wall = cpu_seconds(self.pid), time.monotonic()

    def percent(self) -> float:
        elapsed = time.monotonic() - self._wall
        return 100.0 * (cpu_seconds(self.pid) - self._cpu) / elapsed if elapsed > 0 else 0.0
