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
        HEIGHT, WIDTH, 3)


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
