"""A video's frame rate, read the same way everywhere, with a default for none."""

import cv2
import numpy as np

from har_ros.common.video import DEFAULT_FPS, capture_fps


def test_the_rate_a_file_states_is_read_and_a_missing_one_is_the_default(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 12.0, (32, 24))
    for _ in range(3):
        writer.write(np.zeros((24, 32, 3), np.uint8))
    writer.release()
    opened = cv2.VideoCapture(str(path))
    assert capture_fps(opened) == 12.0
    opened.release()
    nothing = cv2.VideoCapture(str(tmp_path / "missing.avi"))  # reports 0 frames a second
    assert capture_fps(nothing) == DEFAULT_FPS


def test_a_damaged_header_rate_is_the_default():
    class Header:
        def __init__(self, fps):
            self.fps = fps

        def get(self, prop_id):
            assert prop_id == cv2.CAP_PROP_FPS
            return self.fps

    for bad in (0.0, float("nan"), -25.0, float("inf")):
        assert capture_fps(Header(bad)) == DEFAULT_FPS
    assert capture_fps(Header(15.0)) == 15.0
