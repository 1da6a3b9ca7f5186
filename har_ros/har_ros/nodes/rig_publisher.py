"""rig_publisher: the videos of a cell description as synchronised camera streams.

The stand-in for a triggered multi-camera rig in demos and tests: every
camera's ``/<name>/image`` and ``/<name>/camera_info`` (intrinsics from the
cell's calibration, scaled to ``width``) carry the same stamp for frames
taken at the same instant. With ``publish_clock`` it also publishes
``/clock`` = the video's own time, so a slowed replay (``rate`` below the
video's) is still real time for nodes with ``use_sim_time``. It exits with
code 0 at the end of the videos unless ``loop`` is set. With ``pace_topic``
it publishes the next frames only once the pipeline answered the last ones
(a demo paces itself to what the machine sustains, instead of piling up
frames that every pose node then drops).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import cv2
import numpy as np
from rclpy.node import Node
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from har_msgs.msg import SkeletonArray

from ..cell.calibration import CameraCalibration
from ..cell.description import load_cell
from ..common.config import param, require
from ..common.video import capture_fps
from ..ros import qos
from ..ros.image_msgs import array_to_image
from ..ros.parameters import ParameterBinding
from ..ros.spin import run_node
from ..ros.stamps import ns_to_stamp, stamp_to_ns

#: Video time 0 in /clock (a fixed epoch keeps replays reproducible).
CLOCK_START_NS = 1_700_000_000_000_000_000
#: Most memory the preloaded frames of all cameras may take.
PRELOAD_LIMIT_BYTES = 2 << 30


class PreloadedVideo:
    """A video decoded once, read like cv2.VideoCapture (its frames already prepared)."""

    def __init__(self, frames: list[np.ndarray]):
        self._frames, self._next = frames, 0

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self._next >= len(self._frames):
            return False, None
        self._next += 1
        return True, self._frames[self._next - 1]

    def set(self, prop: int, value: float) -> None:
        if prop == cv2.CAP_PROP_POS_FRAMES:  # the only one the rig sets
            self._next = int(value)


@dataclass(frozen=True)
class RigPublisherConfig:
    cell_file: str = param(
        "", "cell description YAML; empty = the shipped Pose2Sim demo cell", read_only=True
    )
    cameras: tuple[str, ...] = param(
        (), "cameras to publish; empty = all with a video", read_only=True
    )
    rate: float = param(
        0.0,
        "frames published per second; 0 = the videos' time with frame_step",
        limits=(0.0, 1000.0),
    )
    frame_step: int = param(1, "publish every n-th frame of the videos", limits=(1, 1000))
    width: int = param(540, "resize to this width keeping the aspect ratio", limits=(16, 8192))
    publish_clock: bool = param(False, "publish /clock as the videos' time", read_only=True)
    loop: bool = param(False, "start again at the end")
    max_frames: int = param(
        0, "stop after this many published frames; 0 = no limit", limits=(0, 2147483647)
    )
    wait_for_subscribers: float = param(
        30.0,
        "s to wait for a subscriber on every image topic before the first frame; 0 = start at once",
        read_only=True,
        limits=(0.0, 3600.0),
    )
    pace_topic: str = param(
        "",
        "SkeletonArray topic to pace on (e.g. the fused skeletons): the next frames go "
        "out only once skeletons of the last ones arrived there (or pace_timeout passed), "
        "so a busy machine gets fewer frames instead of a backlog; empty = no pacing",
        read_only=True,
    )
    pace_timeout: float = param(
        1.0, "s to wait for the paced answer before publishing anyway", limits=(0.0, 60.0)
    )
    preload: bool = param(
        False,
        "decode and resize the videos once at start (they must fit in "
        f"{PRELOAD_LIMIT_BYTES >> 30} GiB): publishing then costs what a camera driver's "
        "does, not a video decoder's",
        read_only=True,
    )

    def validate(self) -> None:
        require(
            self.rate == 0 or self.rate >= 0.1,
            f"rate must be 0 (the videos' time) or >= 0.1 frames/s, got {self.rate}",
        )
        require(self.frame_step >= 1, "frame_step must be >= 1")
        require(self.width >= 32, "width must be >= 32")
        require(self.max_frames >= 0, "max_frames must be >= 0")
        require(self.wait_for_subscribers >= 0, "wait_for_subscribers must be >= 0")
        require(self.pace_timeout > 0, "pace_timeout must be > 0 s")


def camera_info(header: Header, cal: CameraCalibration) -> CameraInfo:
    P = [*cal.K[0], 0.0, *cal.K[1], 0.0, *cal.K[2], 0.0]
    return CameraInfo(
        header=header,
        width=cal.width,
        height=cal.height,
        distortion_model="plumb_bob",
        d=[float(v) for v in cal.dist],
        k=[float(v) for v in cal.K.ravel()],
        r=[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        p=[float(v) for v in P],
    )


class RigPublisher(Node):
    def __init__(self, **kwargs):
        super().__init__("rig_publisher", **kwargs)
        self.params = ParameterBinding(self, RigPublisherConfig, self._apply)
        config = self.params.config
        from ..cell.description import default_cell_file

        cell = load_cell(config.cell_file or default_cell_file())
        wanted = config.cameras or tuple(c.name for c in cell.cameras if c.video)
        self._cameras = [cell.camera(name) for name in wanted]
        if not self._cameras:
            raise ValueError(f"{cell.path}: no camera has a video to publish")
        self._captures = {}
        for cam in self._cameras:
            capture = cv2.VideoCapture(cam.video)
            if not capture.isOpened():
                raise OSError(f"cannot open video {cam.video!r} of camera {cam.name}")
            self._captures[cam.name] = capture
        self._fps = capture_fps(self._captures[self._cameras[0].name])
        self._calibration = {c.name: c.calibration.scaled(config.width) for c in self._cameras}
        if config.preload:
            self._preload()
        self._image_pubs = {
            c.name: self.create_publisher(Image, c.topic("image"), qos.SENSOR_DATA)
            for c in self._cameras
        }
        self._info_pubs = {
            c.name: self.create_publisher(CameraInfo, c.topic("camera_info"), qos.SENSOR_DATA)
            for c in self._cameras
        }
        self._clock_pub = (
            self.create_publisher(Clock, "/clock", 10) if config.publish_clock else None
        )
        self._frame = 0  # frames read from each video, loops included
        self._waiting_since = time.monotonic()
        self.published = 0
        self.held_back = 0  # ticks skipped while the paced pipeline had not answered
        self._last_stamp_ns: int | None = None  # of the frames published last
        self._last_sent = 0.0
        self._answered_ns = -1  # newest stamp seen on pace_topic
        if config.pace_topic:
            self.create_subscription(
                SkeletonArray, config.pace_topic, self._on_paced, qos.STREAM_QUEUE
            )
        self._started = time.monotonic()
        self._timer = None
        self._restart_timer(config)

    def _prepare(self, camera: str, bgr: np.ndarray) -> np.ndarray:
        """A decoded frame as published: the calibration's size, rgb."""
        cal = self._calibration[camera]
        return cv2.cvtColor(
            cv2.resize(bgr, (cal.width, cal.height), interpolation=cv2.INTER_AREA),
            cv2.COLOR_BGR2RGB,
        )

    def _preload(self) -> None:
        """Every camera's frames decoded and prepared now; ValueError past the memory limit."""
        total = 0
        for name, capture in self._captures.items():
            frames = []
            while True:
                ok, bgr = capture.read()
                if not ok:
                    break
                frames.append(self._prepare(name, bgr))
                total += frames[-1].nbytes
                if total > PRELOAD_LIMIT_BYTES:
                    raise ValueError(
                        f"preload: the videos need more than "
                        f"{PRELOAD_LIMIT_BYTES >> 30} GiB at width "
                        f"{self.params.config.width}; use preload:=false"
                    )
            capture.release()
            self._captures[name] = PreloadedVideo(frames)

    def _apply(self, config: RigPublisherConfig) -> None:
        if getattr(self, "_captures", None):
            self._restart_timer(config)

    def _restart_timer(self, config: RigPublisherConfig) -> None:
        if self._timer is not None:
            self.destroy_timer(self._timer)
        rate = config.rate or self._fps / config.frame_step
        self._timer = self.create_timer(1.0 / rate, self._tick)

    def _read_all(self) -> dict | None:
        config = self.params.config
        frames = {}
        for name, capture in self._captures.items():
            for _ in range(config.frame_step):
                ok, bgr = capture.read()
                if not ok:
                    return None
            frames[name] = bgr
        self._frame += config.frame_step
        return frames

    def _ready(self, config: RigPublisherConfig) -> bool:
        """Every camera's image has a subscriber (the pose nodes are up), or waited enough."""
        if self.published or not config.wait_for_subscribers:
            return True
        if all(p.get_subscription_count() for p in self._image_pubs.values()):
            return True
        if time.monotonic() - self._waiting_since > config.wait_for_subscribers:
            self.get_logger().warning("starting without a subscriber on every image topic")
            return True
        return False

    def _on_paced(self, msg: SkeletonArray) -> None:
        self._answered_ns = max(self._answered_ns, stamp_to_ns(msg.header.stamp))

    def _paced_out(self, config: RigPublisherConfig) -> bool:
        """The pipeline has not answered the last frames yet (and pace_timeout has not passed)."""
        if (
            not config.pace_topic
            or self._last_stamp_ns is None
            or self._answered_ns >= self._last_stamp_ns
        ):
            return False
        return time.monotonic() - self._last_sent < config.pace_timeout

    def _tick(self) -> None:
        config = self.params.config
        if not self._ready(config):
            return
        if self._paced_out(config):
            self.held_back += 1
            return
        if config.max_frames and self.published >= config.max_frames:
            self.context.try_shutdown()
            return
        frames = self._read_all()
        if frames is None and config.loop and self.published:
            for capture in self._captures.values():
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            frames = self._read_all()
        if frames is None:
            elapsed = max(time.monotonic() - self._started, 1e-9)
            self.get_logger().info(
                f"end of the videos after {self.published} frames "
                f"({self.published / elapsed:.1f} per s; {self.held_back} ticks held back "
                "waiting for the paced pipeline)"
            )
            self.context.try_shutdown()
            return
        if self._clock_pub is not None:
            # frames read so far, loops included: the clock never runs back
            stamp_ns = CLOCK_START_NS + round((self._frame - config.frame_step) * 1e9 / self._fps)
            self._clock_pub.publish(Clock(clock=ns_to_stamp(stamp_ns)))
        else:
            stamp_ns = self.get_clock().now().nanoseconds
        for cam in self._cameras:
            header = Header(stamp=ns_to_stamp(stamp_ns), frame_id=cam.frame_id)
            rgb = frames[cam.name] if config.preload else self._prepare(cam.name, frames[cam.name])
            self._image_pubs[cam.name].publish(array_to_image(rgb, "rgb8", header))
            self._info_pubs[cam.name].publish(camera_info(header, self._calibration[cam.name]))
        if not self.published:
            self._started = time.monotonic()
        self.published += 1
        self._last_stamp_ns, self._last_sent = stamp_ns, time.monotonic()


def main(args=None) -> None:
    sys.exit(run_node(RigPublisher, args))


if __name__ == "__main__":
    main()
