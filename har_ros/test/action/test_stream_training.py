"""The streaming model: one frame's work per output, trained on labelled streams.

Its outlier exposure never holds a class a test keeps out.
"""

import numpy as np
import pytest
import torch

from har_ros.action.models import build_model
from har_ros.action.stream_training import (
    IGNORE,
    OUTLIER,
    labelled_stream,
    stream_batch,
    stream_loss,
)
from har_ros.action.streams import UTD_OUTSIDE_CLASSES, known_classes_only
from har_ros.action.synth import ACTIONS, OUTSIDE_ACTIONS, make_dataset
from har_ros.action.train import STREAM_SETTINGS, TrainConfig
from har_ros.skeleton.layouts import COCO17

NORM = TrainConfig(window=48, sampling="stream", scale="frame_torso", rate_hz=15.0).normalisation()


@pytest.fixture(scope="module")
def data():
    return make_dataset(subjects=4, repetitions=1, seed=2, test_subjects=1, views=("front",))


STREAMING = [
    ("stream_gcn", {"temporal": "gru"}),
    ("stream_gcn", {"temporal": "tcn"}),
    ("stream_stgcn", {}),
    ("stream_stgcn", {"memory": [4, 16]}),
    ("continual_stgcn", {}),
    ("continual_stgcn", {"strides": [1, 2, 3], "taps": 2}),
]


@pytest.mark.parametrize(("name", "config"), STREAMING)
def test_a_step_per_frame_gives_what_the_whole_sequence_gives(name, config):
    model = build_model(name, 7, 5, COCO17, config).eval()
    x = torch.randn(2, 7, 30, 17)
    with torch.no_grad():
        whole = model.frame_logits(x)
        state, steps = model.zero_state(2), []
        for t in range(30):
            logits, state = model.step(x[:, :, t], state)
            steps.append(logits)
    torch.testing.assert_close(torch.stack(steps, 1), whole, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(model(x), whole[:, -1])


@pytest.mark.parametrize(("name", "config"), STREAMING)
def test_a_step_costs_the_same_however_long_the_past(name, config):
    from torch.utils.flop_counter import FlopCounterMode

    model = build_model(name, 7, 5, COCO17, config).eval()
    frame = torch.randn(5, 7, 17)

    def flops_after(frames: int) -> int:
        with torch.no_grad():
            state = model.zero_state(5)
            for _ in range(frames):
                _, state = model.step(torch.randn(5, 7, 17), state)
            counter = FlopCounterMode(display=False)
            with counter:
                model.step(frame, state)
        return counter.get_total_flops()

    assert flops_after(1) == flops_after(100) > 0


def test_a_labelled_stream_chains_clips_with_pauses_transitions_and_outliers(data):
    rng = np.random.default_rng(0)
    kinds = set()
    for _ in range(20):
        frames, labels, segments = labelled_stream(data, 48, NORM, rng)
        assert frames.shape == (48, 17, 3) and labels.shape == (48,)
        assert set(np.unique(labels)) <= {IGNORE, OUTLIER, *range(len(ACTIONS))}
        kinds |= {s.kind for s in segments}
    assert kinds >= {"clip", "pause", "transition", "spliced"}
    x, y = stream_batch(data, 3, NORM, rng)
    assert x.shape == (3, NORM.channels(2), 48, 17) and y.shape == (3, 48)
    assert np.isfinite(x).all()


def test_without_exposure_no_frame_is_an_outlier(data):
    rng = np.random.default_rng(1)
    for _ in range(10):
        _, labels, segments = labelled_stream(data, 48, NORM, rng, exposure=False)
        assert OUTLIER not in labels
        assert all(s.kind in ("clip", "pause", "transition") for s in segments)


def test_a_pose_held_after_an_action_is_not_taught_as_the_pause_class(data):
    """A held pose is the pause class only after standing still.

    After another action it is wherever that clip was cut: not scored.
    """
    from dataclasses import replace

    pause = ACTIONS.index("waiting")
    rows = [i for i, label in enumerate(data.labels) if label != pause]
    active = replace(
        data,
        sequences=[data.sequences[i] for i in rows],
        labels=data.labels[rows],
        subjects=data.subjects[rows],
        split=None,
        views=None,
    )
    rng = np.random.default_rng(4)
    kinds = set()
    for _ in range(20):
        _, labels, segments = labelled_stream(
            active, 48, NORM, rng, exposure=False, pause_label=pause
        )
        assert pause not in labels
        kinds |= {s.kind for s in segments}
    assert "pause" in kinds
    only_still = replace(
        data,
        sequences=[data.sequences[i] for i in np.flatnonzero(data.labels == pause)],
        labels=np.full(int((data.labels == pause).sum()), pause),
        subjects=data.subjects[data.labels == pause],
        split=None,
        views=None,
    )
    for _ in range(5):
        _, labels, _ = labelled_stream(only_still, 48, NORM, rng, exposure=False, pause_label=pause)
        assert set(np.unique(labels)) <= {pause, IGNORE}


def test_the_exposure_set_never_holds_a_class_kept_out_of_training(data):
    """The outlier segments are made of training clips only.

    That holds for the UTD protocol's seven held-out classes and the fridge
    streams' outside motions alike.
    """
    from har_ros.action.dataset import SequenceDataset

    utd_like = SequenceDataset(  # 27 classes, the UTD-MHAD class count, as the chain uses
        data.sequences * 7,
        np.arange(len(data) * 7) % 27,
        [f"a{k}" for k in range(27)],
        list(data.subjects) * 7,
        data.layout,
        data.channels,
        meta=dict(data.meta),
    )
    known = known_classes_only(utd_like, UTD_OUTSIDE_CLASSES)
    held_out = {utd_like.class_names[c] for c in UTD_OUTSIDE_CLASSES}
    assert not held_out & set(known.class_names)
    rng = np.random.default_rng(3)
    for _ in range(50):
        _, _, segments = labelled_stream(known, 48, NORM, rng)
        for segment in segments:
            used = {known.class_names[known.labels[row]] for row in segment.clips}
            assert not used & held_out, segment
    assert not set(OUTSIDE_ACTIONS) & set(data.class_names)  # the fridge training classes


def test_outlier_exposure_pulls_outlier_frames_towards_uniform():
    labels = torch.tensor([[0, OUTLIER, IGNORE]])
    peaked = torch.tensor([[[5.0, 0.0], [5.0, 0.0], [0.0, 9.0]]])
    flat = torch.tensor([[[5.0, 0.0], [0.0, 0.0], [9.0, 0.0]]])
    assert stream_loss(flat, labels, 0.5) < stream_loss(peaked, labels, 0.5)
    # an ignored frame never counts; without exposure neither do outliers
    assert stream_loss(flat, labels, 0.0) == stream_loss(peaked, labels, 0.0)


def test_stream_settings_validate_and_a_stream_model_needs_them():
    from har_ros.action.train import SettingsError, TrainConfig

    TrainConfig(**STREAM_SETTINGS).validate()
    with pytest.raises(SettingsError, match="--stream"):
        TrainConfig(model="stream_gcn").validate()
    # on one-action windows too (its label at their last frame), with the same features
    windows = {**STREAM_SETTINGS, "model": "continual_stgcn", "sampling": "crop", "window": 32}
    TrainConfig(**windows, early=0.5).validate()
    with pytest.raises(SettingsError, match="--stream"):
        TrainConfig(**{**windows, "scale": "torso"}).validate()
    with pytest.raises(SettingsError, match="not stgcn"):
        TrainConfig(**{**STREAM_SETTINGS, "model": "stgcn"}).validate()


def person_frames(seconds: float, start_s: float, seed: int = 0):
    from har_ros.action.synth import make_stream
    from har_ros.skeleton.types import Person, SkeletonFrame

    for f in make_stream(people=1, seconds=seconds, seed=seed, enter_leave=False):
        people = [Person(p["keypoints"], "coco17", 0.9, p["bbox"], track_id=7) for p in f.people]
        yield SkeletonFrame(round((start_s + f.stamp) * 1e9), "cam", 640, 480, people)


def test_the_node_core_keeps_a_state_per_person_and_restarts_it_after_a_gap(stream_checkpoint):
    from har_ros.action.checkpoint import load_checkpoint
    from har_ros.action.recognizer import ActionRecognizer, RecognizerSettings

    checkpoint = load_checkpoint(stream_checkpoint)

    settings = RecognizerSettings(smoothing_alpha=1.0, max_gap=0.5)
    before, after = list(person_frames(3.0, 0.0, seed=1)), list(person_frames(3.0, 5.0))
    carried = ActionRecognizer(checkpoint, settings)
    for frame in before:
        carried.process(frame)
    gapped = [r for f in after for r in carried.process(f)]  # 2 s gap > max_gap
    fresh_recognizer = ActionRecognizer(checkpoint, settings)
    fresh = [r for f in after for r in fresh_recognizer.process(f)]
    assert len(gapped) == len(fresh) > 30  # one output per frame at 15 Hz
    # each output is the newest frame's: the node adds no delay to what the model says
    stamps = {f.stamp_ns for f in after}
    ends = [r.end_ns for r in fresh]
    assert set(ends) <= stamps
    assert np.allclose(np.diff(ends) * 1e-9, 1 / 15, atol=1 / 30 + 1e-3)
    for a, b in zip(gapped, fresh, strict=True):
        np.testing.assert_allclose(a.scores, b.scores, atol=1e-5)
    # without the gap the state goes on: the same frames give other outputs
    joined = ActionRecognizer(checkpoint, settings)
    for frame in before:
        joined.process(frame)
    shifted = [dataclasses_replace_stamp(f, -2.0 + 3.0 / 15) for f in after]
    going_on = [r for f in shifted for r in joined.process(f)]
    assert not np.allclose(going_on[0].scores, fresh[0].scores, atol=1e-4)


def dataclasses_replace_stamp(frame, shift_s: float):
    import dataclasses

    return dataclasses.replace(frame, stamp_ns=frame.stamp_ns + round(shift_s * 1e9))


def test_a_streaming_model_keeps_its_own_time_base(stream_checkpoint):
    """Found in review: a stride or rate override stepped the state at another pace.

    Training steps it once per frame of the checkpoint's time base.
    """
    from har_ros.action.checkpoint import load_checkpoint
    from har_ros.action.recognizer import ActionRecognizer, RecognizerSettings

    checkpoint = load_checkpoint(stream_checkpoint)
    for settings in (RecognizerSettings(stride=5), RecognizerSettings(rate_hz=30.0)):
        with pytest.raises(ValueError, match="own time base"):
            ActionRecognizer(checkpoint, settings)
    ActionRecognizer(checkpoint, RecognizerSettings(stride=1, rate_hz=15.0))


def arms_dataset(base: np.ndarray, seed: int = 0):
    """Two classes one frame tells apart: arms down, and wrists raised above the head."""
    from har_ros.action.dataset import SequenceDataset

    rng = np.random.default_rng(seed)
    raised = base.copy()
    torso = np.linalg.norm(base[[5, 6], :2].mean(0) - base[[11, 12], :2].mean(0))
    raised[[7, 8, 9, 10], 1] = base[0, 1] - np.array([0.3, 0.3, 0.8, 0.8]) * torso
    sequences, labels = [], []
    for clip in range(16):
        pose = (base, raised)[clip % 2]
        frames = np.repeat(pose[None], 30, axis=0)
        frames[..., :2] += rng.normal(0.0, 0.02 * torso, frames[..., :2].shape)
        sequences.append(frames.astype(np.float32))
        labels.append(clip % 2)
    return SequenceDataset(
        sequences, labels, ["down", "up"], np.arange(16) % 4, COCO17, meta={"fps": 30.0}
    )


def test_a_stream_whose_truth_is_known_is_named_within_one_frame_of_its_change(data):
    """Trained the `--stream` way, the node's hot path names the new action at once.

    A stream changes from arms down to arms up at a known instant (the arms
    rise in the 0.13 s before it); the first model frame after it (15 Hz) is
    the earliest an output can come, and the name comes at most one model
    frame later (a window model needs about half its window).
    """
    import dataclasses

    from har_ros.action.labels import LabelInterval
    from har_ros.action.online import online_metrics, run_recognizer
    from har_ros.action.recognizer import ActionRecognizer, RecognizerSettings
    from har_ros.action.streams import LabelledStream
    from har_ros.action.train import TrainConfig, train
    from har_ros.skeleton.types import Person, SkeletonFrame

    arms = arms_dataset(data.sequences[0][0])
    config = dataclasses.replace(
        TrainConfig(**STREAM_SETTINGS),
        epochs=200,
        exposure=0.0,
        threads=1,
        model_config={"widths": [16, 16], "dilations": [1, 2]},
    )
    checkpoint, _ = train(arms, config, progress=False)
    change_s, fps, start = 2.0, 30.0, 1_000_000_000
    frames = []
    first_up, moving = int(change_s * fps), 4  # the arms rise in 4 frames before it
    for i in range(int(4.0 * fps)):
        pose = arms.sequences[int(i >= first_up)][i % 30]
        if first_up - moving <= i < first_up:
            w = (i - first_up + moving + 1) / (moving + 1)
            pose = (1 - w) * arms.sequences[0][i % 30] + w * arms.sequences[1][i % 30]
        frames.append(
            SkeletonFrame(
                start + round(i / fps * 1e9),
                "cam",
                640,
                480,
                [Person(pose, "coco17", 0.9, (0, 0, 640, 480), track_id=3)],
            )
        )
    t0 = start * 1e-9
    stream = LabelledStream(
        frames,
        [
            LabelInterval(3, t0, t0 + change_s, "down"),
            LabelInterval(3, t0 + change_s, t0 + 4.0, "up"),
        ],
        fps,
    )
    never_unknown = RecognizerSettings(unknown_threshold=0.0)  # onset alone, default smoothing
    outputs = run_recognizer(ActionRecognizer(checkpoint, never_unknown), stream)
    metrics = online_metrics(outputs, stream, arms.class_names)
    model_frame = 1.0 / STREAM_SETTINGS["rate_hz"]
    assert metrics["missed_actions"] == 0
    assert max(metrics["onset_delays"]) <= 2 * model_frame + 1e-3, metrics["onset_delays"]


def test_a_streaming_clip_label_is_its_output_after_stepping_through_the_whole_clip(data):
    from dataclasses import replace

    from har_ros.action.preprocess import at_model_rate, batch_window_features
    from har_ros.action.train import clip_logits

    torch.manual_seed(0)
    model = build_model("stream_stgcn", NORM.channels(2), len(ACTIONS), data.layout).eval()
    rows = [0, 1, len(data) - 1]  # clips of different lengths
    two = replace(
        data,
        sequences=[data.sequences[r] for r in rows],
        labels=data.labels[rows],
        subjects=data.subjects[rows],
        split=None,
        views=None,
    )
    logits = clip_logits(model, two, NORM)
    assert logits.shape == (3, len(ACTIONS))
    fps = float(data.meta.get("fps", 30.0))
    for row in range(3):
        clip = at_model_rate(two.sequences[row], fps, NORM)
        x = torch.from_numpy(batch_window_features(clip[None], data.layout, NORM))
        state = model.zero_state(1)
        with torch.no_grad():
            for t in range(x.shape[2]):
                stepped, state = model.step(x[:, :, t], state)
        np.testing.assert_allclose(logits[row], stepped[0].numpy(), atol=1e-4)


def test_a_frames_stream_features_are_the_same_in_a_two_frame_window_and_a_long_one(data):
    """The node steps a streaming model on two-frame windows; training used long ones.

    Every feature of ``--stream`` (the body's travel included, which tells
    walking from standing) must come out the same in both.
    """
    import dataclasses

    from har_ros.action.preprocess import at_model_rate, batch_window_features, window_features

    norm = dataclasses.replace(NORM, features=STREAM_SETTINGS["features"])
    assert "motion" in norm.features
    walk = at_model_rate(
        data.sequences[int(np.argmax(data.labels == ACTIONS.index("changing_side")))], 30.0, norm
    )
    step = min(len(walk), norm.window // 2)
    sideways = np.array([40.0, 0.0, 0.0], np.float32)
    walk = np.concatenate([walk[:step], walk + sideways])[: norm.window]  # a jump
    walk[10, 3, 2] = 0.0  # a joint not seen in one frame
    long = window_features(walk, data.layout, norm)  # (C, T, J)
    pairs = np.stack([walk[t - 1 : t + 1] for t in range(1, len(walk))])
    short = batch_window_features(pairs, data.layout, norm)[:, :, -1]  # (T-1, C, J)
    np.testing.assert_allclose(short, np.moveaxis(long[:, 1:], 1, 0), atol=1e-5)
    motion = norm.features.index("motion") * 2
    assert np.abs(long[motion, step]).min() > 0.1  # every joint moved with the body


@pytest.mark.parametrize(("name", "config"), STREAMING)
def test_the_node_core_steps_every_streaming_model(name, config):
    """Found by the bench: a state with more than two axes broke the finiteness check."""
    import dataclasses

    from har_ros.action.checkpoint import Checkpoint
    from har_ros.action.models import model_settings
    from har_ros.action.recognizer import ActionRecognizer

    norm = dataclasses.replace(NORM, features=STREAM_SETTINGS["features"])
    model = build_model(name, norm.channels(2), len(ACTIONS), COCO17, config)
    checkpoint = Checkpoint(
        name,
        model_settings(name, config),
        model.state_dict(),
        list(ACTIONS),
        COCO17,
        ("x", "y", "score"),
        norm,
        stride=1,
    )
    recognizer = ActionRecognizer(checkpoint)
    out = [r for f in person_frames(2.0, 0.0) for r in recognizer.process(f)]
    assert len(out) > 20 and all(np.isfinite(r.scores).all() for r in out)


def test_a_window_loss_beside_the_stream_loss_changes_what_is_learnt(data):
    """`--window-loss W`: the label at one-action windows' last frame is trained too."""
    import dataclasses

    from har_ros.action.train import SettingsError, TrainConfig, train

    config = dataclasses.replace(
        TrainConfig(**STREAM_SETTINGS),
        model="continual_stgcn",
        model_config={"widths": [8, 8], "strides": [1, 2], "taps": 2},
        epochs=1,  # one epoch: its streams are drawn before the windows, so they are the same
        threads=1,
        batch_size=8,
        val_fraction=0.0,
    )
    train_set = data.subset(data.split == "train")

    def changed(a, b) -> list[str]:
        return [n for n, v in a.state_dict.items() if not torch.equal(v, b.state_dict[n])]

    plain, _ = train(train_set, config, progress=False)
    again, _ = train(train_set, config, progress=False)
    both, _ = train(train_set, dataclasses.replace(config, window_loss=1.0), progress=False)
    assert both.training["config"]["window_loss"] == 1.0
    assert not changed(plain, again) and changed(plain, both)
    with pytest.raises(SettingsError, match="window_loss"):
        TrainConfig(window_loss=1.0).validate()  # a window model has no stream loss to join
