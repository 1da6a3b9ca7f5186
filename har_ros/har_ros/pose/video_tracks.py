"""A video file through the pose pipeline once: every frame's tracked people, cached.

`har extract` and `har label` both read videos through this, with the same
settings, so the track ids a user labels in `har label` are the ids `har
extract` cuts clips by. The result is cached as an ``.npz`` keyed by the
video's path, size, modification time and the pose settings, so a second run
(or an interrupted extraction started again) reads it instead of re-running
the backend.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..common.video import capture_fps
from .node_config import PoseNodeConfig

#: Frames are resized to this width before the backend, as `har pose-video` does.
DEFAULT_WIDTH = 640


class VideoError(ValueError):
    """A video cannot be opened or has no frames."""


@dataclass
class VideoTracks:
    """Per frame: time in s, and the people seen (track id, keypoints (J, 3), bbox)."""

    fps: float
    width: int
    height: int
    layout: str
    times: np.ndarray  # (F,)
    frame_index: np.ndarray  # (N,) one row per detected person
    track_id: np.ndarray  # (N,)
    keypoints: np.ndarray  # (N, J, 3) in pixels of the resized frame
    bbox: np.ndarray  # (N, 4)

    @property
    def frames(self) -> int:
        return len(self.times)

    def track_ids(self) -> list[int]:
        return sorted({int(t) for t in self.track_id if t >= 0})

    def people_at(self, frame: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
        rows = np.flatnonzero(self.frame_index == frame)
        return [(int(self.track_id[r]), self.keypoints[r], self.bbox[r]) for r in rows]

    def track_times(self) -> dict[int, np.ndarray]:
        return {t: self.times[self.frame_index[self.track_id == t]] for t in self.track_ids()}

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.tmp.npz")
        np.savez_compressed(
            tmp,
            meta=np.asarray(
                json.dumps(
                    {
                        "fps": self.fps,
                        "width": self.width,
                        "height": self.height,
                        "layout": self.layout,
                    }
                )
            ),
            times=self.times,
            frame_index=self.frame_index,
            track_id=self.track_id,
            keypoints=self.keypoints,
            bbox=self.bbox,
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> VideoTracks:
        with np.load(path, allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
            return cls(
                meta["fps"],
                meta["width"],
                meta["height"],
                meta["layout"],
                f["times"],
                f["frame_index"],
                f["track_id"],
                f["keypoints"],
                f["bbox"],
            )


def open_video(path: str | Path):
    import cv2

    capture = cv2.VideoCapture(str(path))
    if not Path(path).is_file() or not capture.isOpened():
        raise VideoError(f"cannot open video {path}")
    return capture


def read_frame(capture, width: int = DEFAULT_WIDTH) -> np.ndarray | None:
    """The next frame as RGB, resized to ``width`` (0 = as is); None at the end."""
    import cv2

    ok, bgr = capture.read()
    if not ok:
        return None
    if width and bgr.shape[1] != width:
        bgr = cv2.resize(
            bgr, (width, round(bgr.shape[0] * width / bgr.shape[1])), interpolation=cv2.INTER_AREA
        )
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def cache_key(video: Path, config: PoseNodeConfig, width: int) -> str:
    stat = video.stat()
    settings = json.dumps(
        [str(video.resolve()), stat.st_size, stat.st_mtime_ns, width, dataclasses.asdict(config)],
        sort_keys=True,
        default=str,
    )
    return f"{video.stem}-{hashlib.sha1(settings.encode()).hexdigest()[:12]}"


def track_video(
    video: str | Path,
    config: PoseNodeConfig | None = None,
    width: int = DEFAULT_WIDTH,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    pipeline=None,
) -> VideoTracks:
    """Run (or read from ``cache_dir``) the pose pipeline over every frame of ``video``."""
    from .pipeline import PosePipeline

    video = Path(video)
    config = config or PoseNodeConfig()
    capture = open_video(video)
    cached = cache_dir / f"{cache_key(video, config, width)}.npz" if cache_dir else None
    if cached is not None and cached.is_file():
        capture.release()
        return VideoTracks.load(cached)
    fps = capture_fps(capture)
    pipeline = pipeline or PosePipeline(config)
    times: list[float] = []
    rows: list[tuple] = []
    size = (0, 0)
    while (rgb := read_frame(capture, width)) is not None:
        size = (rgb.shape[1], rgb.shape[0])
        for person in pipeline.process(rgb, len(times) / fps):
            rows.append((len(times), person.track_id, person.keypoints, person.bbox))
        times.append(len(times) / fps)
        if progress:
            progress(1)
    capture.release()
    if not times:
        raise VideoError(f"{video} has no readable frames")
    joints = len(rows[0][2]) if rows else 17
    tracks = VideoTracks(
        float(fps),
        size[0],
        size[1],
        config.output_layout,
        np.asarray(times),
        np.asarray([r[0] for r in rows], np.int64),
        np.asarray([r[1] for r in rows], np.int64),
        np.asarray([r[2] for r in rows], np.float32).reshape(-1, joints, 3),
        np.asarray([r[3] for r in rows], np.float32).reshape(-1, 4),
    )
    if cached is not None:
        tracks.save(cached)
    return tracks


def main_track(tracks: VideoTracks, start: float = -np.inf, end: float = np.inf) -> int | None:
    """The person most present and largest in [start, end): sum of box areas over frames."""
    in_span = (tracks.times[tracks.frame_index] >= start) & (tracks.times[tracks.frame_index] < end)
    best, best_score = None, 0.0
    for track in tracks.track_ids():
        rows = in_span & (tracks.track_id == track)
        box = tracks.bbox[rows]
        score = float(np.sum((box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1])))
        if score > best_score:
            best, best_score = track, score
    return best


def track_sequence(
    tracks: VideoTracks, track: int, start: float = -np.inf, end: float = np.inf
) -> np.ndarray:
    """(T, J, 3) keypoints of ``track`` over the frames in [start, end); absent = score 0."""
    frames = np.flatnonzero((tracks.times >= start) & (tracks.times < end))
    joints = tracks.keypoints.shape[1] if len(tracks.keypoints) else 17
    out = np.zeros((len(frames), joints, 3), np.float32)
    rows = np.flatnonzero(tracks.track_id == track)
    by_frame = dict(zip(tracks.frame_index[rows].tolist(), rows.tolist(), strict=True))
    for k, frame in enumerate(frames):
        if frame in by_frame:
            out[k] = tracks.keypoints[by_frame[frame]]
    return out
