"""A generated recording to label: an image + skeleton bag written with the project's writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

FPS = 10.0
FRAMES = 40
START_NS = 1_700_000_000_000_000_000
WIDTH, HEIGHT = 320, 240


def stamp_s(frame: int) -> float:
    return (START_NS + round(frame * 1e9 / FPS)) * 1e-9


def _person(track: int, frame: int):
    from har_ros.skeleton.types import Person

    kp = np.zeros((17, 3), np.float32)
    kp[:, 0] = 60 + 120 * (track - 1) + np.linspace(-20, 20, 17) + frame
    kp[:, 1] = np.linspace(40, 200, 17)
    kp[:, 2] = 0.9
    return Person(kp, "coco17", 0.9, (kp[:, 0].min(), 40.0, kp[:, 0].max(), 200.0), track)


def write_recording(path: Path, images: bool = True, claimed_size=(WIDTH, HEIGHT)) -> Path:
    """``claimed_size``: the image size the skeleton messages say (a crafted bag's lie)."""
    from std_msgs.msg import Header

    from har_ros.bags.io import BagWriter
    from har_ros.ros.image_msgs import array_to_image
    from har_ros.ros.skeleton_msgs import frame_to_msg
    from har_ros.ros.stamps import ns_to_stamp
    from har_ros.skeleton.types import SkeletonFrame

    with BagWriter(path) as writer:
        for frame in range(FRAMES):
            stamp = START_NS + round(frame * 1e9 / FPS)
            if images:
                rgb = np.full((HEIGHT, WIDTH, 3), 90, np.uint8)
                rgb[100:140, frame * 5 : frame * 5 + 40] = (200, 60, 60)
                header = Header(stamp=ns_to_stamp(stamp), frame_id="camera")
                writer.write_message(
                    "/image", "sensor_msgs/msg/Image", stamp, array_to_image(rgb, "rgb8", header)
                )
            people = [_person(1, frame)] + ([_person(2, frame)] if frame >= 10 else [])
            writer.write_message(
                "/skeletons",
                "har_msgs/msg/SkeletonArray",
                stamp,
                frame_to_msg(SkeletonFrame(stamp, "camera", *claimed_size, people)),
            )
    return path


@pytest.fixture
def recording_bag(tmp_path) -> Path:
    return write_recording(tmp_path / "recording")
