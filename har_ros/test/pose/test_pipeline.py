"""The pose pipeline on real frames: a reconfiguration keeps the tracker and its ids."""

import pytest

from har_ros.pose.node_config import PoseNodeConfig
from har_ros.pose.pipeline import PosePipeline


@pytest.fixture(scope="module")
def frames():
    import cv2

    from har_ros.assets import AssetError, asset_path

    try:
        capture = cv2.VideoCapture(str(asset_path("sports2d_demo.mp4")))
        asset_path("movenet_multipose_lightning.tflite")
    except AssetError as exc:
        pytest.skip(str(exc))
    out = []
    while len(out) < 40:
        ok, bgr = capture.read()
        assert ok
        out.append(cv2.cvtColor(cv2.resize(bgr, (640, 360)), cv2.COLOR_BGR2RGB))
    return out


def ids(people) -> set[int]:
    return {p.track_id for p in people if p.track_id > 0}


def test_reconfigured_pipeline_keeps_tracker_and_ids(frames):
    pipeline = PosePipeline(PoseNodeConfig())
    before = set()
    for rgb in frames[:20]:
        before |= ids(pipeline.process(rgb))
    assert before, "nobody tracked in the demo clip"
    bigger = pipeline.reconfigured(PoseNodeConfig(input_width=320, tracker_max_misses=5))
    assert bigger.tracker is pipeline.tracker and bigger.backend is not pipeline.backend
    after = set()
    for rgb in frames[20:]:
        after |= ids(bigger.process(rgb))
    assert after & before, "the people in view kept their ids"
    assert all(i in before or i > max(before) for i in after), "an id was handed out twice"
    assert bigger.tracker.config.max_misses == 5


def test_tracker_only_change_keeps_the_backend(frames):
    pipeline = PosePipeline(PoseNodeConfig())
    same = pipeline.reconfigured(PoseNodeConfig(tracker_min_hits=3))
    assert same.backend is pipeline.backend and same.tracker is pipeline.tracker


def test_a_backend_that_does_not_load_is_refused_and_the_old_one_kept(frames, tmp_path):
    from har_ros.pose.backends import BackendError

    pipeline = PosePipeline(PoseNodeConfig())
    with pytest.raises(BackendError, match="not found"):
        pipeline.reconfigured(PoseNodeConfig(model_path=str(tmp_path / "missing.tflite")))
    assert pipeline.process(frames[0]) is not None


def test_detect_every_runs_the_model_on_every_nth_frame_only(frames):
    class CountingBackend:
        def __init__(self, backend):
            self.backend, self.calls = backend, 0

        def infer(self, rgb):
            self.calls += 1
            return self.backend.infer(rgb)

    every = PosePipeline(PoseNodeConfig())
    backend = CountingBackend(every.backend)
    third = PosePipeline(PoseNodeConfig(detect_every=3), backend=backend)
    for index, rgb in enumerate(frames[:30]):
        detects = third.detects_next
        assert detects == (index % 3 == 0)
        people = third.process(rgb if detects else None)
        reference = every.process(rgb)
        assert len(people) == len(reference), f"frame {index}: someone went missing"
        if not detects:
            assert people and all(p.coasted for p in people), "predicted, not detected"
    assert backend.calls == 10
    with pytest.raises(ValueError, match="needs its image"):
        PosePipeline(PoseNodeConfig(detect_every=2), backend=backend).process(None)
