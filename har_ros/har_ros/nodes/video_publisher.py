"""video_publisher: a video file or webcam as sensor_msgs/Image + CameraInfo.

The stand-in for a camera driver in demos and tests: native frame rate (or
``rate``), strictly increasing stamps, optional loop. Without a calibration
the CameraInfo intrinsics come from ``horizontal_fov_deg`` (an estimate).
It exits with code 0 at the end of a file unless ``loop`` is set.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import cv2
from rclpy.node import Node
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from ..assets import asset_path
from ..common.config import param, require
from ..common.video import capture_fps
from ..ros import qos
from ..ros.image_msgs import array_to_image, pinhole_camera_info
from ..ros.parameters import ParameterBinding
from ..ros.spin import run_node
from ..ros.stamps import ns_to_stamp


@dataclass(frozen=True)
class VideoPublisherConfig:
    video: str = param("", "video file; empty = the cached sports2d demo video", read_only=True)
    camera_index: int = param(
        -1, "webcam index instead of a file; -1 = use video", read_only=True, limits=(-1, 1000)
    )
    rate: float = param(0.0, "frames per second; 0 = the file's native rate", limits=(0.0, 1000.0))
    loop: bool = param(False, "start again at the end of the file")
    max_frames: int = param(0, "stop after this many frames; 0 = no limit", limits=(0, 2147483647))
    frame_id: str = param("camera_color_optical_frame", "frame_id of the images")
    width: int = param(
        640, "resize to this width keeping the aspect ratio; 0 = native", limits=(0, 8192)
    )
    horizontal_fov_deg: float = param(
        60.0, "field of view used for CameraInfo intrinsics", limits=(0.0, 180.0)
    )
    wait_for_subscribers: int = param(
        0,
        "hold the first frame until this many image subscribers matched (0 = start at "
        "once), so that no frame is lost to discovery",
        read_only=True,
        limits=(0, 1000),
    )

    def validate(self) -> None:
        require(
            self.rate == 0 or self.rate >= 0.1,
            f"rate must be 0 (native) or >= 0.1 frames/s, got {self.rate}",
        )
        require(self.max_frames >= 0, "max_frames must be >= 0")
        require(self.width >= 0, "width must be >= 0")
        require(self.wait_for_subscribers >= 0, "wait_for_subscribers must be >= 0")
        require(0 < self.horizontal_fov_deg < 180, "horizontal_fov_deg must be in (0, 180)")


class VideoPublisher(Node):
    def __init__(self, **kwargs):
        super().__init__("video_publisher", **kwargs)
        self._timer = None
        self.params = ParameterBinding(self, VideoPublisherConfig, self._apply)
        config = self.params.config
        source = (
            config.camera_index
            if config.camera_index >= 0
            else (config.video or str(asset_path("sports2d_demo.mp4")))
        )
        self._capture = cv2.VideoCapture(source)
        if not self._capture.isOpened():
            raise OSError(f"cannot open video source {source!r}")
        self._source = source
        self._native_fps = capture_fps(self._capture)
        self._image_pub = self.create_publisher(Image, "image", qos.SENSOR_DATA)
        self._info_pub = self.create_publisher(CameraInfo, "camera_info", qos.SENSOR_DATA)
        self._last_stamp_ns = 0
        self.published = 0
        self._restart_timer(config)

    def _apply(self, config: VideoPublisherConfig) -> None:
        if getattr(self, "_capture", None) is not None:
            self._restart_timer(config)

    def _restart_timer(self, config: VideoPublisherConfig) -> None:
        if self._timer is not None:
            self.destroy_timer(self._timer)
        self._timer = self.create_timer(1.0 / (config.rate or self._native_fps), self._tick)

    def _read(self):
        ok, frame = self._capture.read()
        if not ok and self.params.config.loop and self.published:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        return frame if ok else None

    def _tick(self) -> None:
        config = self.params.config
        if (
            not self.published
            and self._image_pub.get_subscription_count() < config.wait_for_subscribers
        ):
            return  # nobody listening yet: the clip starts when they are
        frame = None if config.max_frames and self.published >= config.max_frames else self._read()
        if frame is None:
            self.get_logger().info(f"end of {self._source} after {self.published} frames")
            self.destroy_timer(self._timer)
            self.context.try_shutdown()
            return
        if config.width and frame.shape[1] != config.width:
            height = round(frame.shape[0] * config.width / frame.shape[1])
            frame = cv2.resize(frame, (config.width, height), interpolation=cv2.INTER_AREA)
        stamp_ns = max(self.get_clock().now().nanoseconds, self._last_stamp_ns + 1)
        self._last_stamp_ns = stamp_ns
        header = Header(stamp=ns_to_stamp(stamp_ns), frame_id=config.frame_id)
        self._image_pub.publish(array_to_image(frame, "bgr8", header))
        self._info_pub.publish(
            pinhole_camera_info(header, frame.shape[1], frame.shape[0], config.horizontal_fov_deg)
        )
        self.published += 1


def main(args=None) -> None:
    sys.exit(run_node(VideoPublisher, args))


if __name__ == "__main__":
    main()
