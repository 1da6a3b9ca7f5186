"""What `har label` shows: frames, their times and the tracked people in each.

Three sources: a bag (image and/or skeleton topics), a video (tracked here
with the same pose settings as `har extract`, cached), or a video with a
skeleton bag recorded from it. Times are the label file's time base: header
stamps of the skeletons (bags) or seconds into the video (a video alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..pose.image_codec import MAX_DECODED_PIXELS
from ..skeleton.layouts import get_layout

IMAGE_TYPES = ("sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage")
SKELETON_TYPE = "har_msgs/msg/SkeletonArray"
JPEG_QUALITY = 85


class RecordingError(ValueError):
    """A source cannot be shown; the text says why."""


@dataclass
class PersonView:
    track_id: int
    keypoints: np.ndarray  # (J, 3) pixels, score
    bbox: tuple[float, float, float, float]

    def __post_init__(self) -> None:
        # A joint with a NaN or infinite value (a crafted or broken source) is a missing
        # joint, (0, 0, 0) as everywhere else: the page then serves the rest of the
        # recording instead of refusing it all as invalid JSON.
        keypoints = np.asarray(self.keypoints)
        bad = ~np.isfinite(keypoints).all(axis=-1)
        if bad.any():
            keypoints = keypoints.copy()
            keypoints[bad] = 0.0
        self.keypoints = keypoints


@dataclass
class Recording:
    name: str
    times: np.ndarray  # (F,) seconds
    width: int
    height: int
    layout: str
    people: list[list[PersonView]]  # per frame
    images: list[bytes] | None = None  # JPEG per frame, None: skeletons only
    video: Path | None = None  # frames read from here on demand
    _capture: object = field(default=None, repr=False)
    _next_frame: int = field(default=-1, repr=False)

    def __post_init__(self) -> None:
        # The size comes from the source (a bag's image_width/height): frames of it are
        # allocated later, so a crafted size is refused here, not when memory runs out.
        if not (
            self.width > 0 and self.height > 0 and self.width * self.height <= MAX_DECODED_PIXELS
        ):
            raise RecordingError(
                f"{self.name}: image size {self.width}x{self.height} is not "
                f"between 1 and {MAX_DECODED_PIXELS:,} pixels"
            )

    @property
    def frames(self) -> int:
        return len(self.times)

    def track_ids(self) -> list[int]:
        return sorted({p.track_id for frame in self.people for p in frame if p.track_id >= 0})

    def jpeg(self, index: int) -> bytes:
        """Frame ``index`` as JPEG (a dark canvas for skeleton-only bags)."""
        import cv2

        if not 0 <= index < self.frames:
            raise IndexError(f"frame {index} outside 0..{self.frames - 1}")
        if self.images is not None:
            return self.images[index]
        if self.video is None:
            return _encode(np.full((self.height, self.width, 3), 40, np.uint8))
        from ..pose.video_tracks import open_video, read_frame

        if self._capture is None or index != self._next_frame:
            self._capture = self._capture or open_video(self.video)
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        rgb = read_frame(self._capture, self.width)
        self._next_frame = index + 1
        if rgb is None:
            raise RecordingError(f"frame {index} of {self.video} cannot be read")
        return _encode(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))

    def bones(self) -> list[tuple[int, int]]:
        return [tuple(b) for b in get_layout(self.layout).bones]


def _encode(bgr: np.ndarray) -> bytes:
    import cv2

    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RecordingError("cannot encode a frame as JPEG")
    return data.tobytes()


def from_video(video: str | Path, cache_dir: Path | None = None, progress=None) -> Recording:
    from ..pose.video_tracks import VideoError, track_video

    video = Path(video)
    try:
        tracks = track_video(video, cache_dir=cache_dir, progress=progress)
    except VideoError as exc:
        raise RecordingError(str(exc)) from exc
    people = [
        [PersonView(t, kp, tuple(box)) for t, kp, box in tracks.people_at(i)]
        for i in range(tracks.frames)
    ]
    return Recording(
        video.name, tracks.times, tracks.width, tracks.height, tracks.layout, people, video=video
    )


def _skeleton_frames(bag: Path, topics: list[str] | None = None) -> list:
    from rclpy.serialization import deserialize_message

    from har_msgs.msg import SkeletonArray

    from ..bags.io import read_bag
    from ..ros.skeleton_msgs import msg_to_frame

    return [
        msg_to_frame(deserialize_message(m.data, SkeletonArray))
        for m in read_bag(bag, topics)
        if m.msgtype == SKELETON_TYPE
    ]


def _views(frame) -> list[PersonView]:
    return [
        PersonView(p.track_id, np.asarray(p.keypoints, np.float32), tuple(p.bbox))
        for p in frame.people
    ]


def from_bag(bag: str | Path, image_topic: str = "", skeleton_topic: str = "") -> Recording:
    """Frames are the image messages (skeletons matched by stamp), else the skeletons."""
    import cv2
    from rclpy.serialization import deserialize_message
    from sensor_msgs.msg import CompressedImage, Image

    from ..bags.io import BagError, bag_topics, read_bag
    from ..pose.image_codec import ImageDecodeError
    from ..ros.image_msgs import image_to_rgb
    from ..ros.stamps import stamp_to_ns

    bag = Path(bag)
    try:
        topics = bag_topics(bag)
        images = [
            t
            for t, ty in topics.items()
            if ty in IMAGE_TYPES and (not image_topic or t == image_topic)
        ]
        skeletons = [
            t
            for t, ty in topics.items()
            if ty == SKELETON_TYPE and (not skeleton_topic or t == skeleton_topic)
        ]
        if not images and not skeletons:
            raise RecordingError(
                f"{bag} has no image or har_msgs/SkeletonArray topic (topics: {topics or 'none'})"
            )
        frames = _skeleton_frames(bag, skeletons[:1])
        if not images:
            if not frames:
                raise RecordingError(f"{bag}: the skeleton topic has no messages")
            return Recording(
                bag.name,
                np.array([f.stamp_ns * 1e-9 for f in frames]),
                int(frames[0].width) or 640,
                int(frames[0].height) or 480,
                _layout_of(frames),
                [_views(f) for f in frames],
                images=None,
            )
        stamps, jpegs, bad = [], [], 0
        kinds = {"sensor_msgs/msg/Image": Image, "sensor_msgs/msg/CompressedImage": CompressedImage}
        for message in read_bag(bag, topics=images[:1]):
            msg = deserialize_message(message.data, kinds[message.msgtype])
            try:
                rgb = image_to_rgb(msg)
            except ImageDecodeError:
                bad += 1
                continue
            stamps.append(stamp_to_ns(msg.header.stamp))
            jpegs.append(_encode(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)))
            size = (rgb.shape[1], rgb.shape[0])
    except BagError as exc:
        raise RecordingError(str(exc)) from exc
    if not jpegs:
        raise RecordingError(f"{bag}: no decodable image on {images[0]} ({bad} malformed)")
    by_stamp = {f.stamp_ns: f for f in frames}
    people = [_views(by_stamp[s]) if s in by_stamp else [] for s in stamps]
    return Recording(
        bag.name,
        np.array(stamps) * 1e-9,
        size[0],
        size[1],
        _layout_of(frames),
        people,
        images=jpegs,
    )


def from_video_and_bag(video: str | Path, bag: str | Path) -> Recording:
    """A video played through the pose node and recorded: frame i is the i-th skeleton."""
    import cv2

    from ..bags.io import BagError
    from ..pose.video_tracks import VideoError, open_video

    try:
        capture = open_video(video)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        ok, first = capture.read()
        capture.release()
        frames = _skeleton_frames(Path(bag))
    except (VideoError, BagError) as exc:
        raise RecordingError(str(exc)) from exc
    if not ok or not frames:
        raise RecordingError(
            f"{video} has no frames" if not ok else f"{bag} has no har_msgs/SkeletonArray messages"
        )
    if abs(len(frames) - count) > 1:
        raise RecordingError(
            f"{bag} has {len(frames)} skeleton messages for {count} frames of "
            f"{video}; record the video's whole run through the pose node"
        )
    width = int(frames[0].width) or first.shape[1]
    height = int(frames[0].height) or first.shape[0]
    # skeletons are in the published image's pixels; frames are shown resized to that width
    return Recording(
        Path(video).name,
        np.array([f.stamp_ns * 1e-9 for f in frames]),
        width,
        height,
        _layout_of(frames),
        [_views(f) for f in frames],
        video=Path(video),
    )


def _layout_of(frames) -> str:
    for frame in frames:
        for person in frame.people:
            return person.layout
    return "coco17"


def open_source(
    source: str | Path, skeletons: str | Path = "", cache_dir: Path | None = None, progress=None
) -> Recording:
    source = Path(source)
    if not source.exists():
        raise RecordingError(f"not found: {source}")
    if source.is_dir():
        if skeletons:
            raise RecordingError("--skeletons goes with a video; a bag holds its own skeletons")
        return from_bag(source)
    if skeletons:
        return from_video_and_bag(source, skeletons)
    return from_video(source, cache_dir, progress)
