"""Online figures on streams whose truth and outputs are known, and the node's own hot path."""

import numpy as np
import pytest

from har_ros.action.labels import LabelInterval
from har_ros.action.online import Output, online_metrics, run_recognizer, timeline
from har_ros.action.recognizer import ActionRecognizer, RecognizerSettings
from har_ros.action.streams import START_NS, LabelledStream, fridge_stream
from har_ros.action.synth import make_stream
from har_ros.skeleton.types import Person, SkeletonFrame

FPS = 10.0
T0 = START_NS * 1e-9


def one_person_stream(seconds: float = 10.0) -> LabelledStream:
    person = Person(np.ones((17, 3), np.float32), "coco17", 1.0, (0, 0, 1, 1), track_id=1)
    frames = [
        SkeletonFrame(START_NS + i * 100_000_000, "cam", 640, 480, [person])
        for i in range(int(seconds * FPS))
    ]
    intervals = [
        LabelInterval(1, T0, T0 + 4.0, "a"),
        LabelInterval(1, T0 + 4.0, T0 + 7.0, "b"),
        LabelInterval(1, T0 + 7.0, T0 + 9.0, "x"),
    ]  # 9-10 s unlabelled
    return LabelledStream(frames, intervals, FPS)


def shown_label(t: float) -> str | None:
    if t < 0.5:
        return None
    if t < 4.6 or abs(t - 5.5) < 1e-6:
        return "a"
    if t < 7.3:
        return "b"
    return "unknown"


def outputs_of(stream: LabelledStream) -> list[Output]:
    out = []
    for i, frame in enumerate(stream.frames):
        label = shown_label(round(i / FPS, 6))
        if label is not None:
            known = 0.2 if label == "unknown" else 1.0
            out.append(
                Output(1, frame.stamp_ns, label, "a" if label == "unknown" else label, 0.9, known)
            )
    return out


def test_every_figure_of_a_stream_whose_outputs_are_known():
    stream = one_person_stream()
    m = online_metrics(outputs_of(stream), stream, ["a", "b"])
    assert m["frames_known"] == 70 and m["frames_outside"] == 20
    assert m["per_frame_accuracy"] == pytest.approx((35 + 23) / 70)
    assert m["onset_delays"] == pytest.approx([0.5, 0.6], abs=1e-6)
    assert m["missed_actions"] == 0 and m["actions"] == 2
    assert m["previous_shown_s"]["median"] == pytest.approx(0.6, abs=1e-6)
    # after the onsets: "a" 0.5-4 s steady, "b" 4.6-7 s goes b -> a (5.5 s) -> b
    assert m["flicker_per_min"] == pytest.approx(2 / ((3.5 + 2.4) / 60), rel=1e-3)
    assert m["outside_shown_unknown"] == pytest.approx(17 / 20)
    assert m["known_shown_unknown"] == 0.0
    # outputs during "x": 7.0-7.2 s are "b" (score 1.0), the rest unknown (0.2)
    assert m["outside_auroc"] == pytest.approx(1 - 0.5 * 3 / 20, abs=1e-6)
    assert m["frames_without_output"] == pytest.approx(5 / 90)


def test_an_action_never_named_is_missed_not_a_delay():
    stream = one_person_stream()
    outputs = [o for o in outputs_of(stream) if o.label != "b"]
    m = online_metrics(outputs, stream, ["a", "b"])
    assert m["missed_actions"] == 1 and m["onset_delays"] == pytest.approx([0.5])


def test_timeline_lists_truth_and_outputs_per_person():
    stream = one_person_stream()
    lines = timeline(outputs_of(stream), stream)
    assert [lab for *_, lab in lines[1]["truth"]] == ["a", "b", "x"]
    assert lines[1]["outputs"][0][1] == "a"


@pytest.mark.parametrize("min_fill", [1.0, 0.25])
def test_a_new_track_is_first_named_after_min_fill_of_a_window(min_fill):
    """The node's earliest output for a person: within one camera frame of the setting."""
    recognizer = ActionRecognizer.from_path(settings=RecognizerSettings(min_fill=min_fill))
    stream = fridge_stream(make_stream(people=1, seconds=4, seed=3, enter_leave=False), 30.0)
    outputs = run_recognizer(recognizer, stream)
    first = (outputs[0].stamp_ns - stream.frames[0].stamp_ns) * 1e-9
    norm = recognizer.checkpoint.normalisation
    span = (norm.window - 1) / norm.rate_hz
    assert abs(first - min_fill * span) <= 1.0 / 30.0 + 1e-6
    assert all(o.label in [*recognizer.class_names, "unknown"] for o in outputs)
