"""Suggested segments from a checkpoint, for the user to accept or fix in `har label`.

The recording is run through the action node's own recogniser; each output
labels the time since the person's previous output, runs of one label above
``min_confidence`` become one suggestion. Suggestions of one person never
overlap, and suggested classes the session does not know are left out.
"""

from __future__ import annotations

from pathlib import Path

from ..action.labels import LabelInterval
from ..skeleton.types import Person, SkeletonFrame
from .recording import Recording


def suggest(
    recording: Recording,
    checkpoint: str | Path,
    min_confidence: float = 0.6,
    classes: list[str] | None = None,
) -> list[LabelInterval]:
    from ..action.recognizer import ActionRecognizer

    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError("min_confidence must be in [0, 1]")
    recognizer = ActionRecognizer.from_path(checkpoint)
    runs: dict[int, list] = {}  # track -> [label, start, end] of the open run
    last_end: dict[int, float] = {}
    out: list[LabelInterval] = []
    for t, people in zip(recording.times, recording.people, strict=True):
        frame = SkeletonFrame(
            round(t * 1e9),
            "camera",
            recording.width,
            recording.height,
            [
                Person(p.keypoints, recording.layout, 1.0, p.bbox, p.track_id)
                for p in people
                if p.track_id >= 0
            ],
        )
        for rec in recognizer.process(frame):
            # windows overlap: each output labels the time since the previous one
            start = max(last_end.get(rec.track_id, -1.0), rec.start_ns * 1e-9)
            end = rec.end_ns * 1e-9
            last_end[rec.track_id] = end
            good = rec.confidence >= min_confidence and (classes is None or rec.label in classes)
            run = runs.get(rec.track_id)
            if run is not None and good and run[0] == rec.label and run[2] >= start - 1e-9:
                run[2] = end
                continue
            if run is not None:
                out.append(LabelInterval(rec.track_id, run[1], run[2], run[0]))
                runs.pop(rec.track_id)
            if good:
                runs[rec.track_id] = [rec.label, start, end]
    out.extend(
        LabelInterval(track, start, end, label) for track, (label, start, end) in runs.items()
    )
    return sorted(out, key=lambda iv: (iv.start, iv.track_id))
