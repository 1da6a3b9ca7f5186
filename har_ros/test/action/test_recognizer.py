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
        people = [
            Person(p["keypoints"], "coco17", 0.9, p["bbox"], track_id=p["track_id"])
            for p in f.people
        ]
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
    results = [
        r
        for f in frames_of(make_stream(people=1, seconds=3, seed=3))
        for r in recognizer.process(f)
    ]
    assert results and all(r.label == "unknown" and r.label_index == -1 for r in results)
    with pytest.raises(ValueError, match="smoothing_alpha"):
        ActionRecognizer.from_path(
            settings=dataclasses.replace(RecognizerSettings(), smoothing_alpha=0.0)
        )


def test_an_energy_rejection_thresholds_the_smoothed_energy_not_the_confidence():
    from har_ros.action.calibration import Calibration
    from har_ros.action.checkpoint import load_checkpoint

    checkpoint = load_checkpoint(DEFAULT_MODEL)
    frames = list(frames_of(make_stream(people=1, seconds=4, seed=3)))

    def run(threshold):
        energy = dataclasses.replace(
            checkpoint, calibration=Calibration(score="energy", threshold=threshold, fitted_on=1)
        )
        recognizer = ActionRecognizer(energy, RecognizerSettings(smoothing_alpha=1.0))
        return [r for f in frames for r in recognizer.process(f)]

    kept = run(-1e9)
    assert kept and all(r.label != "unknown" for r in kept)
    # unsmoothed, each output's score is T * logsumexp(logits / T) of its window: not a
    # probability, and a threshold between two outputs' scores splits them
    scores = sorted(r.known_score for r in kept)
    assert scores[-1] > 1.0
    middle = (scores[0] + scores[-1]) / 2
    split = run(middle)
    assert {r.label == "unknown" for r in split} == {True, False}
    assert all((r.label == "unknown") == (r.known_score < middle) for r in split)


def test_a_switch_margin_holds_the_shown_action_until_another_is_clearly_ahead():
    frames = list(frames_of(make_stream(people=2, seconds=20, seed=4, enter_leave=False)))

    def run(margin):
        recognizer = ActionRecognizer.from_path(
            settings=RecognizerSettings(switch_margin=margin, unknown_threshold=0.0)
        )
        return [r for f in frames for r in recognizer.process(f)]

    free, held = run(0.0), run(0.3)
    assert len(free) == len(held)

    def changes(results):
        shown = {}
        count = 0
        for r in results:
            count += shown.get(r.track_id, r.label) != r.label
            shown[r.track_id] = r.label
        return count

    assert changes(held) < changes(free)
    for f, h in zip(free, held, strict=True):
        np.testing.assert_allclose(f.scores, h.scores)  # the same smoothed probabilities
        top = f.scores.argmax()
        # a held label trails the leader by less than the margin; a new one leads by it
        assert h.label == f.label or h.scores[top] - h.scores[h.label_index] < 0.3
    with pytest.raises(ValueError, match="switch_margin"):
        ActionRecognizer.from_path(settings=RecognizerSettings(switch_margin=1.0))


def test_a_held_action_never_hides_a_leader_that_passes_the_threshold():
    """Found in review: a held class under the threshold showed `unknown` over a clear leader."""
    frames = list(frames_of(make_stream(people=2, seconds=20, seed=4, enter_leave=False)))
    recognizer = ActionRecognizer.from_path(
        settings=RecognizerSettings(switch_margin=0.3, unknown_threshold=0.5)
    )
    results = [r for f in frames for r in recognizer.process(f)]
    assert {r.label == "unknown" for r in results} == {True, False}
    for r in results:
        if r.label == "unknown":
            assert r.scores.max() < 0.5  # no class was sure enough, held or leading
        else:
            assert r.confidence >= 0.5 and r.scores[r.label_index] == r.confidence


def _tracker_frames(turn_deg: float = 0.0, seconds: float = 4.0):
    """A synthetic stream as a body tracker gives it (k4abt32, 3D), turned about the vertical."""
    from har_ros.action.synth_tracker import tracker_frames
    from har_ros.skeleton.body_tracker import NOMINAL_CAMERA, BodyFrame, skeleton_frame

    a = np.radians(turn_deg)
    turn = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    stream = make_stream(people=2, seconds=seconds, seed=4, enter_leave=False)
    for stamp, bodies in tracker_frames(stream, 10**18, jitter_m=0.0):
        frame = BodyFrame(stamp, "depth", {b: xyz @ turn.T for b, xyz in bodies.items()})
        yield skeleton_frame(frame, {b: b for b in bodies}, NOMINAL_CAMERA, 1.0)


def test_a_3d_checkpoint_reads_the_3d_joints_and_facing_the_camera_ignores_the_view(tmp_path):
    import torch

    from har_ros.action.checkpoint import Checkpoint, load_checkpoint
    from har_ros.action.models import build_model, model_settings
    from har_ros.action.synth import ACTIONS
    from har_ros.action.train import TrainConfig
    from har_ros.skeleton.layouts import K4ABT32

    norm = TrainConfig(
        window=16, sampling="crop", rate_hz=15.0, rotate="face_camera"
    ).normalisation()
    torch.manual_seed(0)
    model = build_model("stgcn", norm.channels(3), len(ACTIONS), K4ABT32)
    path = tmp_path / "k4a_3d.pt"
    channels = ("x", "y", "z", "score")
    settings = model_settings("stgcn")
    Checkpoint("stgcn", settings, model.state_dict(), list(ACTIONS), K4ABT32, channels, norm).save(
        path
    )
    runs = {}
    for turn in (0.0, 70.0):
        recognizer = ActionRecognizer(load_checkpoint(path), RecognizerSettings(min_fill=0.5))
        runs[turn] = [r for f in _tracker_frames(turn) for r in recognizer.process(f)]
        assert {t.frames.shape[-1] for t in recognizer.buffers.people.values()} == {4}
    assert len(runs[0.0]) > 10 and len(runs[0.0]) == len(runs[70.0])
    for a, b in zip(runs[0.0], runs[70.0], strict=True):
        np.testing.assert_allclose(a.scores, b.scores, atol=2e-4)  # the turned camera is no news
    plain = Person(np.ones((32, 3), np.float32), "k4abt32", 1.0, (0, 0, 1, 1), track_id=9)
    recognizer.process(SkeletonFrame(2 * 10**18, "depth", 640, 576, [plain]))
    assert recognizer.buffers.drops["no_3d"] == 1  # 2D only: counted, not classified


@pytest.mark.parametrize(
    "name, config",
    [("posec3d", {"grid": 16, "widths": [8, 8, 8]}), ("dstformer", {"dim": 16, "heads": 2})],
)
def test_the_third_seeds_models_run_in_the_node_from_their_checkpoints(tmp_path, name, config):
    import torch

    from har_ros.action.checkpoint import Checkpoint, load_checkpoint
    from har_ros.action.models import build_model, model_settings
    from har_ros.action.synth import ACTIONS
    from har_ros.action.train import TrainConfig
    from har_ros.skeleton.layouts import COCO17

    norm = TrainConfig(window=16, sampling="crop", rate_hz=15.0).normalisation()
    model = build_model(name, norm.channels(2), len(ACTIONS), COCO17, config)
    path = tmp_path / f"{name}.pt"
    channels = ("x", "y", "score")
    settings = model_settings(name, config)
    Checkpoint(name, settings, model.state_dict(), list(ACTIONS), COCO17, channels, norm).save(path)
    torch.manual_seed(0)
    recognizer = ActionRecognizer(load_checkpoint(path), RecognizerSettings(min_fill=0.5))
    stream = make_stream(people=2, seconds=3, seed=6, enter_leave=False)
    results = [r for f in frames_of(stream) for r in recognizer.process(f)]
    assert {r.track_id for r in results} == {1, 2}
    assert all(np.isclose(r.scores.sum(), 1.0, atol=1e-4) for r in results)
