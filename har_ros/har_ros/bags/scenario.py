"""Scenario bags: synthetic streams or real videos as rosbag2 with ground truth.

A skeleton scenario bag holds ``skeletons`` (har_msgs/SkeletonArray, floor
positions set) and, beside it, ``labels.csv`` in the label-file format of
har_ros.action.labels (which also makes it a `bag:` training dataset).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..action.labels import LabelInterval, write_labels
from ..action.synth import StreamFrame
from ..skeleton.types import Person, PositionSource, SkeletonFrame
from .io import BagWriter

START_NS = 1_700_000_000_000_000_000  # a fixed epoch so scenario stamps are reproducible


def stream_frame_to_skeletons(frame: StreamFrame, start_ns: int = START_NS) -> SkeletonFrame:
    people = [Person(keypoints=p["keypoints"], layout="coco17", score=0.9, bbox=p["bbox"],
                     track_id=p["track_id"], position=np.array([*p["floor_xy"], 0.0]),
                     position_source=PositionSource.FLOOR, position_frame_id="floor")
              for p in frame.people]
    return SkeletonFrame(start_ns + round(frame.stamp * 1e9), "camera", 640, 480, people)


def stream_labels(frames: list[StreamFrame], fps: float, start_ns: int = START_NS
                  ) -> list[LabelInterval]:
    """Per-person label segments of a stream, in absolute seconds."""
    intervals, open_segments = [], {}
    for frame in frames:
        t = start_ns * 1e-9 + frame.stamp
        present = {p["track_id"]: p["label"] for p in frame.people}
        for track, (label, start, last) in list(open_segments.items()):
            if present.get(track) != label:
                intervals.append(LabelInterval(track, start, last + 1.0 / fps, label))
                del open_segments[track]
        for track, label in present.items():
            if track in open_segments:
                open_segments[track] = (label, open_segments[track][1], t)
            else:
                open_segments[track] = (label, t, t)
    for track, (label, start, last) in open_segments.items():
        intervals.append(LabelInterval(track, start, last + 1.0 / fps, label))
    return sorted(intervals, key=lambda i: (i.start, i.track_id))


def write_skeleton_scenario(frames: list[StreamFrame], fps: float, path: str | Path) -> int:
    from ..ros.skeleton_msgs import frame_to_msg

    path = Path(path)
    with BagWriter(path) as writer:
        for frame in frames:
            skeletons = stream_frame_to_skeletons(frame)
            writer.write_message("/skeletons", "har_msgs/msg/SkeletonArray", skeletons.stamp_ns,
                                 frame_to_msg(skeletons))
        count = writer.count
    write_labels(path / "labels.csv", stream_labels(frames, fps))
    return count


def write_video_bag(video: str, path: str | Path, frames: int = 0, width: int = 640,
                    fov_deg: float = 60.0) -> int:
    """A video file as /image (bgr8) + /camera_info at the file's frame rate."""
    import cv2
    from std_msgs.msg import Header

    from ..nodes.video_publisher import camera_info
    from ..ros.image_msgs import array_to_image
    from ..ros.stamps import ns_to_stamp

    capture = cv2.VideoCapture(video)
    if not capture.isOpened():
        raise OSError(f"cannot open video {video!r}")
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    with BagWriter(path) as writer:
        index = 0
        while not frames or index < frames:
            ok, bgr = capture.read()
            if not ok:
                break
            if width and bgr.shape[1] != width:
                bgr = cv2.resize(bgr, (width, round(bgr.shape[0] * width / bgr.shape[1])),
                                 interpolation=cv2.INTER_AREA)
            stamp = START_NS + round(index * 1e9 / fps)
            header = Header(stamp=ns_to_stamp(stamp), frame_id="camera_color_optical_frame")
            writer.write_message("/image", "sensor_msgs/msg/Image", stamp,
                                 array_to_image(bgr, "bgr8", header))
            writer.write_message("/camera_info", "sensor_msgs/msg/CameraInfo", stamp,
                                 camera_info(header, bgr.shape[1], bgr.shape[0], fov_deg))
            index += 1
        return index
