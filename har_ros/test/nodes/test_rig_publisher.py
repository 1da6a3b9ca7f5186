"""rig_publisher's preloaded videos read as cv2.VideoCapture reads a file, loops included."""

import cv2
import numpy as np

from har_ros.nodes.rig_publisher import PreloadedVideo


def test_a_preloaded_video_reads_to_its_end_and_starts_again():
    frames = [np.full((2, 2, 3), i, np.uint8) for i in range(3)]
    video = PreloadedVideo(frames)
    read = [video.read() for _ in range(4)]
    assert [ok for ok, _ in read] == [True, True, True, False]
    assert [int(f[0, 0, 0]) for ok, f in read if ok] == [0, 1, 2]
    video.set(cv2.CAP_PROP_POS_FRAMES, 0)
    ok, first = video.read()
    assert ok and first is frames[0]
