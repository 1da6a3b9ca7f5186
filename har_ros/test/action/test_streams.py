"""Chained clips and the synthetic stream: frames, people and label intervals that agree."""

import numpy as np

from har_ros.action.dataset import SequenceDataset
from har_ros.action.labels import label_problems
from har_ros.action.streams import START_NS, chain_clips, fridge_stream, known_classes_only
from har_ros.action.synth import ACTIONS, OUTSIDE_ACTIONS, make_stream
from har_ros.skeleton.layouts import COCO17


def clips(subjects=(1, 2), per_subject=4, frames=20) -> SequenceDataset:
    rng = np.random.default_rng(0)
    sequences, labels, who = [], [], []
    for s in subjects:
        for k in range(per_subject):
            seq = rng.normal(size=(frames + k, 17, 3)).astype(np.float32)
            seq[..., 2] = 1.0
            sequences.append(seq)
            labels.append(k % 3)
            who.append(s)
    return SequenceDataset(sequences, labels, ["p", "q", "r"], who, COCO17, meta={"fps": 30.0})


def test_chained_clips_keep_every_frame_and_label_each_clip():
    data = clips()
    stream = chain_clips(data, seed=1, gap_s=(0.2, 0.2))
    assert label_problems(stream.intervals) == []
    for subject in (1, 2):
        ivs = [iv for iv in stream.intervals if iv.track_id == subject]
        assert sorted(iv.label for iv in ivs) == sorted(["p", "q", "r", "p"])
        lengths = sorted(round((iv.end - iv.start) * 30) for iv in ivs)
        assert lengths == [20, 21, 22, 23]
        frames = sum(any(p.track_id == subject for p in f.people) for f in stream.frames)
        assert frames == 20 + 21 + 22 + 23 + 3 * 6  # three gaps of 0.2 s
    first = stream.frames[0]
    assert first.stamp_ns == START_NS and {p.track_id for p in first.people} == {1, 2}


def test_a_clips_frames_are_in_the_stream_where_its_label_says():
    data = clips(subjects=(7,), per_subject=2)
    stream = chain_clips(data, seed=0, gap_s=(0.1, 0.1))
    iv = stream.intervals[1]
    index = round((iv.start - START_NS * 1e-9) * 30)
    clip = next(
        s
        for s, lab in zip(data.sequences, data.labels, strict=True)
        if data.class_names[lab] == iv.label and len(s) == round((iv.end - iv.start) * 30)
    )
    np.testing.assert_allclose(stream.frames[index].people[0].keypoints, clip[0], atol=1e-6)


def test_known_classes_only_renumbers_the_rest():
    known = known_classes_only(clips(), (1,))
    assert known.class_names == ["p", "r"]
    assert set(known.labels.tolist()) == {0, 1} and len(known) == 6
    assert known.meta["outside_classes"] == ["q"]


def test_the_fridge_stream_can_hold_idle_gaps_and_outside_actions():
    frames = make_stream(people=2, seconds=60, seed=4, outside=0.3, idle=(0.5, 1.0))
    stream = fridge_stream(frames, 30.0)
    labels = {iv.label for iv in stream.intervals}
    assert labels & set(OUTSIDE_ACTIONS) and labels <= set(ACTIONS) | set(OUTSIDE_ACTIONS)
    assert label_problems(stream.intervals) == []
    plain = make_stream(people=2, seconds=20, seed=4)
    assert {p["label"] for f in plain for p in f.people} <= set(ACTIONS)
