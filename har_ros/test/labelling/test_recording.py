import cv2
import numpy as np
import pytest
from conftest import FRAMES, HEIGHT, WIDTH, stamp_s, write_recording

from har_ros.labelling.recording import RecordingError, open_source


def test_an_image_and_skeleton_bag(recording_bag):
    rec = open_source(recording_bag)
    assert (rec.frames, rec.width, rec.height) == (FRAMES, WIDTH, HEIGHT)
    assert rec.times[3] == pytest.approx(stamp_s(3))
    assert rec.track_ids() == [1, 2]
    assert [len(p) for p in rec.people[8:12]] == [1, 1, 2, 2]
    image = cv2.imdecode(np.frombuffer(rec.jpeg(4), np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (HEIGHT, WIDTH, 3)
    assert image[120, 25, 2] > 150  # the red block at x = 20..60 in frame 4 (BGR)
    with pytest.raises(IndexError):
        rec.jpeg(FRAMES)


def test_a_skeleton_only_bag_is_shown_on_a_blank_canvas(tmp_path):
    rec = open_source(write_recording(tmp_path / "skeletons", images=False))
    assert rec.frames == FRAMES and rec.images is None
    assert cv2.imdecode(np.frombuffer(rec.jpeg(0), np.uint8), cv2.IMREAD_COLOR).shape == (
        HEIGHT,
        WIDTH,
        3,
    )


def test_bad_sources_say_why(tmp_path, recording_bag):
    with pytest.raises(RecordingError, match="not found"):
        open_source(tmp_path / "nothing")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "metadata.yaml").write_text("rosbag2_bagfile_information: [")
    with pytest.raises(RecordingError, match="cannot read bag"):
        open_source(broken)
    (tmp_path / "clip.mp4").write_bytes(b"not a video")
    with pytest.raises(RecordingError, match="cannot open video"):
        open_source(tmp_path / "clip.mp4")
    with pytest.raises(RecordingError, match="skeleton messages for"):
        video = tmp_path / "short.mp4"
        writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (WIDTH, HEIGHT))
        for _ in range(5):
            writer.write(np.zeros((HEIGHT, WIDTH, 3), np.uint8))
        writer.release()
        open_source(video, skeletons=recording_bag)


def _demo_clip(path, first=40, count=30):
    from har_ros.assets import AssetError, asset_path

    try:
        capture = cv2.VideoCapture(str(asset_path("sports2d_demo.mp4")))
    except AssetError as exc:
        pytest.skip(f"demo video not cached: {exc}")
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (640, 360))
    for index in range(first + count):
        ok, bgr = capture.read()
        assert ok
        if index >= first:
            writer.write(cv2.resize(bgr, (640, 360)))
    writer.release()
    return path


def test_a_video_is_tracked_once_and_cached(tmp_path):
    video = _demo_clip(tmp_path / "clip.mp4")
    rec = open_source(video, cache_dir=tmp_path / "cache")
    assert rec.frames == 30 and rec.width == 640 and rec.times[1] == pytest.approx(1 / 30)
    assert rec.track_ids() and sum(len(p) for p in rec.people) > 30
    assert len(list((tmp_path / "cache").iterdir())) == 1
    again = open_source(video, cache_dir=tmp_path / "cache")
    assert [[p.track_id for p in f] for f in again.people] == [
        [p.track_id for p in f] for f in rec.people
    ]
    frame = cv2.imdecode(np.frombuffer(rec.jpeg(7), np.uint8), cv2.IMREAD_COLOR)
    assert frame.shape == (360, 640, 3)
    assert rec.jpeg(8) and rec.jpeg(2)  # sequential and backward seeks both decode


def test_a_video_with_the_skeleton_bag_recorded_from_it(tmp_path):
    from har_ros.bags.io import BagWriter
    from har_ros.pose.video_tracks import track_video
    from har_ros.ros.skeleton_msgs import frame_to_msg
    from har_ros.skeleton.types import Person, SkeletonFrame

    video = _demo_clip(tmp_path / "clip.mp4")
    tracks = track_video(video)
    start = 1_800_000_000_000_000_000
    with BagWriter(tmp_path / "skeletons") as writer:
        for i in range(tracks.frames):
            stamp = start + i * 33_333_333
            people = [
                Person(kp, "coco17", 0.9, tuple(box), t) for t, kp, box in tracks.people_at(i)
            ]
            writer.write_message(
                "/skeletons",
                "har_msgs/msg/SkeletonArray",
                stamp,
                frame_to_msg(SkeletonFrame(stamp, "camera", 640, 360, people)),
            )
    rec = open_source(video, skeletons=tmp_path / "skeletons")
    assert rec.frames == 30 and rec.times[0] == pytest.approx(start * 1e-9)
    assert rec.track_ids() == tracks.track_ids()


def test_a_bag_claiming_a_huge_image_is_refused_before_allocating(tmp_path):
    """Found and fixed: a skeleton-only bag's image_width/height became a canvas allocation."""
    bag = write_recording(tmp_path / "huge", images=False, claimed_size=(200_000, 200_000))
    with pytest.raises(RecordingError, match="image size 200000x200000 is not between"):
        open_source(bag)
