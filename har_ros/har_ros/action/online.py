"""How fast and how right the action node is on a continuous stream (ROS-free).

The node's outputs (one per person per step, as on ``/action``) are judged
against the stream's label intervals the way the safety node uses them: at
every skeleton frame, the label shown for a person is their latest output.

- per-frame accuracy: frames of a known action whose shown label is right
  (no output yet counts as wrong);
- onset delay: from an action's first frame to the first output naming it;
- flicker: label changes per minute inside an action after its onset;
- previous shown: from an action's first frame until the label stops being
  that of the person's action just before it;
- outside the class list: share of such frames shown as ``unknown``, and the
  AUROC of the rejection score (known-action outputs against outside ones);
- calibration: expected calibration error of the outputs' confidences.

Frames without a label (gaps between chained clips) are not scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from .calibration import auroc, expected_calibration_error, reliability_table
from .labels import LabelInterval
from .recognizer import UNKNOWN, ActionRecognizer
from .streams import LabelledStream

ADJACENT_S = 1.5  # a previous action ending this close before one begins is "the previous"


@dataclass(frozen=True)
class Output:
    """One person's action in one step, as ``/action`` carries it."""

    track_id: int
    stamp_ns: int  # the step's newest skeleton stamp (ActionArray.header.stamp)
    label: str  # shown: a class or "unknown"
    top: str  # the most probable class, also when rejected
    confidence: float
    known_score: float


def run_recognizer(recognizer: ActionRecognizer, stream: LabelledStream) -> list[Output]:
    """The stream through the action node's own hot path (windowing, model, smoothing)."""
    out = []
    names = recognizer.class_names
    for frame in stream.frames:
        for r in recognizer.process(frame):
            out.append(
                Output(
                    r.track_id,
                    frame.stamp_ns,
                    r.label,
                    names[int(np.argmax(r.scores))],
                    r.confidence,
                    r.known_score,
                )
            )
    return out


class _Truth:
    """Per track, sorted label intervals for fast lookup of the label at a time."""

    def __init__(self, intervals: list[LabelInterval]):
        self.by_track: dict[int, list[LabelInterval]] = {}
        for iv in sorted(intervals, key=lambda i: i.start):
            if iv.track_id is not None:
                self.by_track.setdefault(iv.track_id, []).append(iv)
        self._starts = {t: np.array([iv.start for iv in ivs]) for t, ivs in self.by_track.items()}

    def at(self, track_id: int, t: float) -> str | None:
        ivs = self.by_track.get(track_id)
        if not ivs:
            return None
        i = int(np.searchsorted(self._starts[track_id], t, side="right")) - 1
        return ivs[i].label if i >= 0 and t < ivs[i].end else None


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"median": float("nan"), "p95": float("nan"), "n": 0}
    return {
        "median": float(np.median(values)),
        "p95": float(np.percentile(values, 95)),
        "n": len(values),
    }


def online_metrics(outputs: list[Output], stream: LabelledStream, class_names: list[str]) -> dict:
    """Every figure of the module docstring, plus the raw onset delays."""
    known = set(class_names)
    truth = _Truth(stream.intervals)
    by_track: dict[int, list[Output]] = {}
    for o in sorted(outputs, key=lambda o: o.stamp_ns):
        by_track.setdefault(o.track_id, []).append(o)
    stamps = {t: np.array([o.stamp_ns for o in outs]) for t, outs in by_track.items()}

    def shown(track_id: int, stamp_ns: int) -> str | None:
        if track_id not in stamps:
            return None
        i = int(np.searchsorted(stamps[track_id], stamp_ns, side="right")) - 1
        return by_track[track_id][i].label if i >= 0 else None

    right = known_frames = outside_frames = outside_unknown = known_unknown = 0
    no_output = 0
    for frame in stream.frames:
        for person in frame.people:
            label = truth.at(person.track_id, frame.stamp_ns * 1e-9)
            if label is None:
                continue
            prediction = shown(person.track_id, frame.stamp_ns)
            no_output += prediction is None
            if label in known:
                known_frames += 1
                right += prediction == label
                known_unknown += prediction == UNKNOWN
            else:
                outside_frames += 1
                outside_unknown += prediction == UNKNOWN
    onsets, flicker_switches, flicker_minutes, previous_shown = [], 0, 0.0, []
    missed = segments = 0
    for track_id, intervals in truth.by_track.items():
        outs = by_track.get(track_id, [])
        times = np.array([o.stamp_ns * 1e-9 for o in outs])
        for n, iv in enumerate(intervals):
            if iv.label not in known:
                continue
            segments += 1
            inside = outs[np.searchsorted(times, iv.start) : np.searchsorted(times, iv.end)]
            onset = next((o.stamp_ns * 1e-9 for o in inside if o.label == iv.label), None)
            if onset is None:
                missed += 1
            else:
                onsets.append(onset - iv.start)
                after = [o.label for o in inside if o.stamp_ns * 1e-9 >= onset]
                flicker_switches += sum(a != b for a, b in pairwise(after))
                flicker_minutes += (iv.end - onset) / 60.0
            before = intervals[n - 1] if n else None
            if (
                before is not None
                and before.label != iv.label
                and iv.start - before.end <= ADJACENT_S
            ):
                shown_at_start = shown(track_id, round(iv.start * 1e9))
                if shown_at_start != before.label:
                    previous_shown.append(0.0)
                else:
                    change = next(
                        (o.stamp_ns * 1e-9 for o in inside if o.label != before.label), iv.end
                    )
                    previous_shown.append(change - iv.start)
    scored = [(o, truth.at(o.track_id, o.stamp_ns * 1e-9)) for o in outputs]
    known_scores = [o.known_score for o, label in scored if label in known]
    outside_scores = [
        o.known_score for o, label in scored if label is not None and label not in known
    ]
    confident = [(o, label) for o, label in scored if label in known]
    confidence = np.array([o.confidence for o, _ in confident])
    correct = np.array([o.top == label for o, label in confident], bool)
    return {
        "frames_known": known_frames,
        "frames_outside": outside_frames,
        "per_frame_accuracy": right / known_frames if known_frames else float("nan"),
        "known_shown_unknown": known_unknown / known_frames if known_frames else float("nan"),
        "outside_shown_unknown": outside_unknown / outside_frames
        if outside_frames
        else float("nan"),
        "frames_without_output": no_output / max(1, known_frames + outside_frames),
        "onset_delay_s": _percentiles(onsets),
        "onset_delays": [float(v) for v in onsets],
        "missed_actions": missed,
        "actions": segments,
        "flicker_per_min": flicker_switches / flicker_minutes if flicker_minutes else float("nan"),
        "previous_shown_s": _percentiles(previous_shown),
        "outside_auroc": auroc(np.array(known_scores), np.array(outside_scores)),
        "ece": expected_calibration_error(confidence, correct),
        "reliability": reliability_table(confidence, correct),
        "outputs": len(outputs),
    }


def timeline(outputs: list[Output], stream: LabelledStream) -> dict[int, dict]:
    """Per track: truth intervals and the output labels over time, for the timeline plot."""
    out: dict[int, dict] = {}
    for iv in stream.intervals:
        if iv.track_id is not None:
            out.setdefault(iv.track_id, {"truth": [], "outputs": []})["truth"].append(
                (iv.start, iv.end, iv.label)
            )
    for o in sorted(outputs, key=lambda o: o.stamp_ns):
        out.setdefault(o.track_id, {"truth": [], "outputs": []})["outputs"].append(
            (o.stamp_ns * 1e-9, o.label)
        )
    return out
