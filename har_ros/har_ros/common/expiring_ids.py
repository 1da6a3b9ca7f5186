"""Ids seen over time: which are new, and which have been gone long enough to forget.

Per-body resources (REP-155 topics) are created when a body appears and
released once it has been gone for ``expiry_s``, so a long shift with many
short-lived tracks does not accumulate them.
"""

from __future__ import annotations

from collections.abc import Iterable


class ExpiringIds:
    """Last-seen time per id; ``seen()`` says which ids are new and which expired."""

    def __init__(self, expiry_s: float):
        if not expiry_s >= 0.0:
            raise ValueError(f"expiry_s must be >= 0, got {expiry_s}")
        self.expiry_s = expiry_s
        self._last_seen: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._last_seen)

    def __contains__(self, key: str) -> bool:
        return key in self._last_seen

    def seen(self, ids: Iterable[str], now_s: float) -> tuple[list[str], list[str]]:
        """Mark ``ids`` seen at ``now_s``: (ids new since the last call, ids now expired)."""
        new = []
        for key in ids:
            if key not in self._last_seen:
                new.append(key)
            self._last_seen[key] = now_s
        expired = [k for k, t in self._last_seen.items() if now_s - t > self.expiry_s]
        for key in expired:
            del self._last_seen[key]
        return new, expired
