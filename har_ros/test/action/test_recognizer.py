"""The recognizer: batching, smoothing, unknown label, per-person windows (no ROS)."""

import dataclasses

import numpy as np
import pytest

from har_ros.action.recognizer import DEFAULT_MODEL, ActionRecognizer, RecognizerSettings
from har_ros.action.synth import make_stream
from har_ros.skeleton.types import Person, SkeletonFrame

pytestmark = pytest.mark.skipif(not DEFAULT_MODEL.exists(), reason="shipped model missing")


def frames_of(stream):
    for f in stream:
        people = [Person(p["keypoints"], "coco17", 0.9, p["bbox"], track_id=p["track_id"])
                  for p in f.people]
        yield SkeletonFrame(round(f.stamp * 1e9), "cam", 640, 480, people)


def test_all_due_people_share_one_forward_pass():
    recognizer = ActionRecognizer.from_path()
    batches = []
    for frame in frames_of(make_stream(people=4, seconds=6, seed=2, enter_leave=False)):
        results = recognizer.process(frame)
        if results:
            batches.append(recognizer.last_batch)
            assert len({r.track_id for r in results}) == len(results)
            for r in results:
                assert r.end_ns == frame.stamp_ns and np.isclose(r.scores.sum(), 1.0, atol=1e-4)
    assert max(batches) == 4


def test_unknown_below_the_threshold_and_settings_validated():
    recognizer = ActionRecognizer.from_path(settings=RecognizerSettings(unknown_threshold=1.0))
    results = [r for f in frames_of(make_stream(people=1, seconds=3, seed=3))
               for r in recognizer.process(f)]
    assert results and all(r.label == "unknown" and r.label_index == -1 for r in results)
    with pytest.raises(ValueError, match="smoothing_alpha"):
        ActionRecognizer.from_path(settings=dataclasses.replace(RecognizerSettings(),
                                                                smoothing_alpha=0.0))
