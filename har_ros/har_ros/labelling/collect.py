"""The plan of a guided recording: what the worker is asked to do, and when.

For each repetition, for each action in order: a rest, a countdown, then the
action for ``duration`` seconds. Only the action phases become labels (``*``,
everyone in view); rests and countdowns stay unlabelled, so the switch
between actions never leaks into a clip.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phase:
    kind: str  # "rest", "countdown" or "action"
    action: str
    repetition: int  # 1-based
    start: float  # seconds after the recording starts
    end: float

    def prompt(self, repetitions: int) -> str:
        what = f"{self.action} ({self.repetition}/{repetitions})"
        if self.kind == "rest":
            return f"rest; next: {what}"
        if self.kind == "countdown":
            return f"get ready: {what}"
        return f"GO: {what} for {self.end - self.start:g} s"


def plan(
    actions: list[str], repetitions: int, duration: float, countdown: float = 3.0, rest: float = 2.0
) -> list[Phase]:
    if not actions:
        raise ValueError("no actions to record")
    if repetitions < 1 or duration <= 0 or countdown < 0 or rest < 0:
        raise ValueError("need repetitions >= 1, duration > 0, countdown and rest >= 0")
    phases, t = [], 0.0
    for repetition in range(1, repetitions + 1):
        for action in actions:
            for kind, length in (("rest", rest), ("countdown", countdown), ("action", duration)):
                if length > 0:
                    phases.append(Phase(kind, action, repetition, t, t + length))
                    t += length
    return phases
