"""Scenario bags: synthetic streams or real videos as rosbag2 with ground truth.

A skeleton scenario bag holds ``skeletons`` (har_msgs/SkeletonArray, floor
positions set) and, beside it, ``labels.csv`` in the label-file format of
har_ros.action.labels (which also makes it a `bag:` training dataset).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ..action.labels import write_labels
from ..action.streams import START_NS, LabelledStream, fridge_stream
from ..action.synth import StreamFrame
from ..common.video import capture_fps
from .io import BagWriter, read_bag

#: The Azure Kinect driver's depth camera frame, the body markers' frame_id.
TRACKER_FRAME = "depth_camera_link"


def write_stream_bag(stream: LabelledStream, path: str | Path) -> int:
    """A labelled stream as a skeleton bag (``/skeletons``) with its ``labels.csv``."""
    from ..ros.skeleton_msgs import frame_to_msg

    path = Path(path)
    with BagWriter(path) as writer:
        for frame in stream.frames:
            writer.write_message(
                "/skeletons", "har_msgs/msg/SkeletonArray", frame.stamp_ns, frame_to_msg(frame)
            )
        count = writer.count
    meta = {
        "fps": f"{stream.fps:g}",
        **{
            k: str(v)
            for k, v in stream.meta.items()
            if k in ("source", "seed", "layout", "outside")
        },
    }
    write_labels(path / "labels.csv", stream.intervals, meta)
    return count


def write_skeleton_scenario(frames: list[StreamFrame], fps: float, path: str | Path) -> int:
    return write_stream_bag(fridge_stream(frames, fps), path)


def write_body_tracking_bag(
    frames: list[StreamFrame], fps: float, path: str | Path, view: str = "front", seed: int = 0
) -> int:
    """A synthetic stream as an Azure Kinect driver records it, with its ``labels.csv``.

    ``/body_tracking_data`` (MarkerArray, a marker per k4abt32 joint, id = body *
    100 + joint, depth camera frame) and ``/depth/camera_info``; the labels name
    the tracker's body ids (the stream's track ids).
    """
    import math

    from std_msgs.msg import Header

    from ..action.streams import stream_labels
    from ..action.synth import stream_camera
    from ..action.synth_tracker import tracker_frames
    from ..ros.body_markers import marker_array
    from ..ros.image_msgs import pinhole_camera_info
    from ..ros.stamps import ns_to_stamp

    camera, _ = stream_camera(view)
    fov = math.degrees(2 * math.atan(camera.width / 2 / camera.focal))
    path = Path(path)
    with BagWriter(path) as writer:
        for stamp, bodies in tracker_frames(frames, START_NS, seed):
            header = Header(stamp=ns_to_stamp(stamp), frame_id=TRACKER_FRAME)
            writer.write_message(
                "/depth/camera_info",
                "sensor_msgs/msg/CameraInfo",
                stamp,
                pinhole_camera_info(header, camera.width, camera.height_px, fov),
            )
            writer.write_message(
                "/body_tracking_data",
                "visualization_msgs/msg/MarkerArray",
                stamp,
                marker_array(stamp, TRACKER_FRAME, bodies),
            )
        count = writer.count
    write_labels(path / "labels.csv", stream_labels(frames, fps), {"fps": f"{fps:g}", "view": view})
    return count


def read_stream_bag(path: str | Path) -> LabelledStream:
    """A skeleton bag and its ``labels.csv`` back as a labelled stream.

    A bag of a camera's body tracking gives the frames body_tracker_node would
    publish; its labels name the tracker's body ids (or ``*``), which become
    the track ids the node gives those bodies.
    """
    from ..action.labels import read_label_file
    from .body_tracking import has_body_tracking, skeleton_frames

    path = Path(path)
    labels = read_label_file(path / "labels.csv")
    intervals = labels.intervals
    if has_body_tracking(path):
        frames, body_of = skeleton_frames(path)
        intervals = [
            replace(iv, track_id=track)
            for iv in intervals
            for track in (
                [None]
                if iv.track_id is None
                else [t for t, body in body_of.items() if body == iv.track_id]
            )
        ]
    else:
        frames = _skeleton_arrays(path)
    frames.sort(key=lambda f: f.stamp_ns)
    fps = float(labels.meta.get("fps", 0) or 0) or _median_rate(frames)
    return LabelledStream(frames, intervals, fps, dict(labels.meta))


def _skeleton_arrays(path: Path) -> list:
    from rclpy.serialization import deserialize_message

    from har_msgs.msg import SkeletonArray

    from ..ros.skeleton_msgs import msg_to_frame

    return [
        msg_to_frame(deserialize_message(m.data, SkeletonArray))
        for m in read_bag(path)
        if m.msgtype == "har_msgs/msg/SkeletonArray"
    ]


def _median_rate(frames) -> float:
    stamps = np.array([f.stamp_ns for f in frames], np.float64)
    steps = np.diff(stamps)
    return float(1e9 / np.median(steps)) if len(steps) else 30.0


def write_video_bag(
    video: str, path: str | Path, frames: int = 0, width: int = 640, fov_deg: float = 60.0
) -> int:
    """A video file as /image (bgr8) + /camera_info at the file's frame rate."""
    import cv2
    from std_msgs.msg import Header

    from ..ros.image_msgs import array_to_image, pinhole_camera_info
    from ..ros.stamps import ns_to_stamp

    capture = cv2.VideoCapture(video)
    if not capture.isOpened():
        raise OSError(f"cannot open video {video!r}")
    fps = capture_fps(capture)
    with BagWriter(path) as writer:
        index = 0
        while not frames or index < frames:
            ok, bgr = capture.read()
            if not ok:
                break
            if width and bgr.shape[1] != width:
                bgr = cv2.resize(
                    bgr,
                    (width, round(bgr.shape[0] * width / bgr.shape[1])),
                    interpolation=cv2.INTER_AREA,
                )
            stamp = START_NS + round(index * 1e9 / fps)
            header = Header(stamp=ns_to_stamp(stamp), frame_id="camera_color_optical_frame")
            writer.write_message(
                "/image", "sensor_msgs/msg/Image", stamp, array_to_image(bgr, "bgr8", header)
            )
            writer.write_message(
                "/camera_info",
                "sensor_msgs/msg/CameraInfo",
                stamp,
                pinhole_camera_info(header, bgr.shape[1], bgr.shape[0], fov_deg),
            )
            index += 1
        return index
