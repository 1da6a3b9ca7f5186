"""Messages a node cannot use: counted by kind, logged at most every few seconds, never raised.

A node must not die from one bad message, and must not flood its log with a
bad stream either; the counts go into its diagnostics.
"""

from __future__ import annotations

import time


class Drops:
    """Counts per kind; ``drop()`` logs a kind's first drop and then once per ``every_s``."""

    def __init__(self, logger, *kinds: str, every_s: float = 5.0):
        self.counts = dict.fromkeys(kinds, 0)
        self._logger = logger
        self._every_s = every_s
        self._logged: dict[str, float] = {}

    def drop(self, kind: str, message: str, error: bool = False) -> None:
        """Count one ``kind`` and log ``message`` unless that kind was logged just now."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        now = time.monotonic()
        if now - self._logged.get(kind, -float("inf")) < self._every_s:
            return
        self._logged[kind] = now
        log = self._logger.error if error else self._logger.warning
        log(f"{message} ({self.counts[kind]} {kind} so far)")
