"""pose_node: camera images -> tracked multi-person skeletons on `skeletons`.

Publishes one SkeletonArray for EVERY processed frame (empty when nobody is
seen). Inference runs on a worker thread that always takes the newest frame;
older unprocessed frames are dropped and counted, so no queue builds up when
the camera is faster than the model. A malformed image is logged, counted
and skipped. With hri_msgs installed the people also go out as REP-155
bodies (ros/hri.py).
"""

from __future__ import annotations

import collections
import itertools
import sys
import threading
import time

from diagnostic_msgs.msg import DiagnosticArray
from sensor_msgs.msg import CameraInfo, CompressedImage, Image
from std_msgs.msg import Header

from har_msgs.msg import SkeletonArray

from ..common.ewma import Ewma
from ..common.priority import lower_priority
from ..common.rate_meter import RateMeter
from ..common.self_check import (
    SelfCheck,
    camera_info_problem,
    depth_units_problem,
    overload_problem,
    rate_problem,
)
from ..common.stage_cpu import StageCpu
from ..pose.backends import BackendError
from ..pose.drawing import draw_people
from ..pose.image_codec import ImageDecodeError
from ..pose.node_config import PoseNodeConfig
from ..pose.pipeline import PosePipeline
from ..pose.positions import Intrinsics, depth_to_metres
from ..ros import qos
from ..ros.depth_sync import BuiltinDepthCache, subscribe_depth
from ..ros.diagnostics import OK, WARN, diagnostic_array
from ..ros.drops import Drops
from ..ros.hri import HriBodiesOutput, start_hri_output
from ..ros.image_msgs import array_to_image, image_to_array, image_to_rgb
from ..ros.lifecycle import ManagedNode
from ..ros.parameters import ParameterBinding
from ..ros.skeleton_msgs import frame_to_msg
from ..ros.spin import run_node
from ..ros.stamps import stamp_to_ns
from ..skeleton.types import PositionSource, SkeletonFrame


class PoseNode(ManagedNode):
    """Lifecycle: configure loads the backend, activate subscribes the camera."""

    def __init__(self, **kwargs):
        super().__init__("pose_node", **kwargs)
        self._lock = threading.Condition()
        self._pipeline: PosePipeline | None = None
        self._latest: Image | CompressedImage | None = None
        self._stop = False
        self._depth = BuiltinDepthCache(tolerance_ns=50_000_000)  # replaced when use_depth
        self._intrinsics: Intrinsics | None = None
        self._next_pipeline: PosePipeline | None = None
        self._track_ids = itertools.count(1)  # never reused while the process lives
        self._input_subscriptions = []
        self._image_size: tuple[int, int] | None = None  # (height, width) of the last image
        self._hri: HriBodiesOutput | None = None
        # REP-155 output runs on the executor thread: it creates and destroys per-body
        # publishers, which must not happen while the executor builds its wait set
        self._hri_frames: collections.deque[SkeletonFrame] = collections.deque(maxlen=30)
        self._hri_due = self.create_guard_condition(self._publish_hri)
        self.params = ParameterBinding(
            self, PoseNodeConfig, self._apply_config, self._prepare_pipeline, load=False
        )
        self.counts = {"received": 0, "processed": 0, "dropped": 0}  # dropped: model too slow
        self.drops = Drops(self.get_logger(), "malformed")
        self.self_check = SelfCheck()
        self._stages = StageCpu()  # CPU per stage on the inference thread
        self._input_rate = RateMeter()
        self._processed_rate = RateMeter()
        self._processing_ms = Ewma()
        self._pub = self.create_publisher(SkeletonArray, "skeletons", qos.STREAM)
        self._debug_pub = self.create_publisher(Image, "debug_image", qos.SENSOR_DATA)
        self._diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", qos.DEFAULT)
        self.create_timer(1.0, self._publish_diagnostics)
        self._worker = threading.Thread(target=self._work, name="pose_inference", daemon=True)
        self._worker.start()

    # -- lifecycle ----------------------------------------------------------------
    def configure(self) -> None:
        config = self.params.load()
        # after the backend loaded, so that its thread pool is reniced too
        lower_priority(config.cpu_nice)

    def activate(self) -> None:
        config = self.params.config
        if config.hri and self._hri is None:
            self._hri = start_hri_output(self, config.hri_body_expiry)
        if config.image_transport == "compressed":  # image_transport's topic naming
            topic = self.resolve_topic_name("image") + "/compressed"
            self._input_subscriptions.append(
                self.create_subscription(CompressedImage, topic, self._on_image, qos.SENSOR_DATA)
            )
        else:
            self._input_subscriptions.append(
                self.create_subscription(Image, "image", self._on_image, qos.SENSOR_DATA)
            )
        if config.use_depth:
            self._depth, sync, depth_sub = subscribe_depth(
                self,
                Image,
                "depth",
                qos.SENSOR_DATA,
                int(config.depth_tolerance * 1e9),
                config.depth_sync,
            )
            self.get_logger().info(f"depth paired with colour by {sync}")
            self._input_subscriptions += [
                depth_sub,
                self.create_subscription(
                    CameraInfo, "camera_info", self._on_camera_info, qos.SENSOR_DATA
                ),
            ]

    def deactivate(self) -> None:
        for subscription in self._input_subscriptions:
            self.destroy_subscription(subscription)
        self._input_subscriptions = []
        with self._lock:
            self._latest = None  # a frame from before deactivation is not processed

    def cleanup(self) -> None:
        with self._lock:
            self._pipeline = None  # the tracker's id counter lives on in the node
        self.params.unload()

    def _prepare_pipeline(self, config: PoseNodeConfig) -> None:
        """Build the pipeline for a new config (refused if its backend does not load).

        The tracker, and with it every id handed out so far, is carried over.
        """
        try:
            self._next_pipeline = (
                PosePipeline(config, ids=self._track_ids)
                if self._pipeline is None
                else self._pipeline.reconfigured(config)
            )
        except BackendError as exc:
            raise ValueError(str(exc)) from exc

    def _apply_config(self, config: PoseNodeConfig) -> None:
        with self._lock:
            self._pipeline, self._next_pipeline = self._next_pipeline, None
        self._depth.tolerance_ns = int(config.depth_tolerance * 1e9)

    # -- inputs -----------------------------------------------------------------
    def _on_image(self, msg: Image | CompressedImage) -> None:
        self._input_rate.tick(time.monotonic())
        with self._lock:
            self.counts["received"] += 1
            if self._latest is not None:
                self.counts["dropped"] += 1  # the model is slower than the camera
            self._latest = msg
            self._lock.notify()

    def _on_camera_info(self, msg: CameraInfo) -> None:
        self.self_check.set("camera_info", camera_info_problem(msg.k))
        try:
            self._intrinsics = Intrinsics.from_k(msg.k)
        except ValueError as exc:
            self.get_logger().warning(f"ignored camera_info: {exc}", throttle_duration_sec=10.0)

    # -- processing -----------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._latest is not None or self._stop)
                if self._stop:
                    return
                msg, self._latest = self._latest, None
                pipeline = self._pipeline
            if pipeline is None:
                continue
            try:
                self._process(msg, pipeline)
            except ImageDecodeError as exc:
                self.drops.drop("malformed", f"skipped a malformed image: {exc}")
            except Exception as exc:  # keep the node alive; the safety node sees the gap
                if not self.context.ok():
                    return  # shutting down: the publisher is gone, nothing to report
                self.drops.drop("malformed", f"failed to process a frame: {exc!r}", error=True)

    def _depth_for(self, msg: Image | CompressedImage, shape: tuple[int, int]):
        depth_msg = self._depth.nearest(stamp_to_ns(msg.header.stamp))
        if depth_msg is None or self._intrinsics is None:
            return None, None, ""
        depth = image_to_array(depth_msg)
        if depth.shape != shape:
            raise ImageDecodeError(f"depth {depth.shape} is not aligned with colour {shape}")
        return depth_to_metres(depth), self._intrinsics, depth_msg.header.frame_id

    def _process(self, msg: Image | CompressedImage, pipeline: PosePipeline) -> None:
        started = time.perf_counter()
        stages = self._stages
        stamp_ns = stamp_to_ns(msg.header.stamp)
        with stages.stage("decode"):  # a predicted frame (detect_every) needs no pixels
            rgb = self._decode_if_needed(msg, pipeline, stamp_ns * 1e-9)
        height, width = self._image_size
        depth_m, intrinsics, depth_frame = (
            self._depth_for(msg, (height, width)) if self._intrinsics else (None, None, "")
        )
        people = pipeline.process(rgb, stamp_ns * 1e-9, depth_m, intrinsics, depth_frame, stages)
        depths = [p.position[2] for p in people if p.position_source == PositionSource.DEPTH]
        if depths:
            self.self_check.set("depth_units", depth_units_problem(depths))
        frame = SkeletonFrame(stamp_ns, msg.header.frame_id, width, height, people)
        with stages.stage("message"):
            out = frame_to_msg(frame)
        with stages.stage("publish"):
            self._pub.publish(out)
        if self._hri is not None:
            self._hri_frames.append(frame)
            self._hri_due.trigger()
        self.counts["processed"] += 1
        self._processed_rate.tick(time.monotonic())
        self._processing_ms.add((time.perf_counter() - started) * 1000.0)
        if self.params.config.publish_debug_image:
            with stages.stage("debug_image"):
                self._debug_pub.publish(
                    array_to_image(draw_people(rgb, people), "rgb8", msg.header)
                )
        stages.frame_done()

    def _publish_hri(self) -> None:
        while self._hri_frames:
            try:
                self._hri.publish(self._hri_frames.popleft(), time.monotonic())
            except Exception as exc:  # the skeletons went out; REP-155 must not end the node
                self.get_logger().error(
                    f"REP-155 output failed: {exc!r}", throttle_duration_sec=5.0
                )

    def _decode_if_needed(
        self, msg: Image | CompressedImage, pipeline: PosePipeline, stamp_s: float
    ):
        """RGB pixels, or None on a predicted frame; keeps ``_image_size`` up to date."""
        if (
            pipeline.detects_at(stamp_s)
            or self.params.config.publish_debug_image
            or self._image_size is None
        ):
            rgb = image_to_rgb(msg)
            self._image_size = rgb.shape[:2]
            return rgb
        if isinstance(msg, Image):  # its size is checked against its data, not converted
            self._image_size = image_to_array(msg).shape[:2]
        return None  # a compressed image keeps the last decoded size

    def _publish_diagnostics(self) -> None:
        now = time.monotonic()
        values = {
            **self.counts,
            **self.drops.counts,
            "input_rate_hz": self._input_rate.rate(now),
            "processed_rate_hz": self._processed_rate.rate(now),
            "processing_ms": self._processing_ms.value,
            **self._stages.diagnostic_values(),
        }
        if self.lifecycle_state == "active":
            self.self_check.set(
                "rate",
                rate_problem("image", values["input_rate_hz"], self.params.config.expected_rate),
            )
            self.self_check.set(
                "overload", overload_problem(values["input_rate_hz"], values["processed_rate_hz"])
            )
        level = WARN if self.drops.counts["malformed"] or self._input_rate.age(now) > 1.0 else OK
        message = "no images" if self._input_rate.age(now) > 1.0 else "ok"
        if self.self_check.problems:
            level, message = WARN, self.self_check.summary()
        if self.lifecycle_state != "active":
            level, message = WARN, f"lifecycle state {self.lifecycle_state}"
        header = Header(stamp=self.get_clock().now().to_msg())
        self._diag_pub.publish(
            diagnostic_array(
                header,
                f"{self.get_fully_qualified_name()}: pose",
                "har_ros",
                level,
                message,
                values,
            )
        )

    def destroy_node(self):
        with self._lock:
            self._stop = True
            self._lock.notify()
        self._worker.join(timeout=5.0)
        return super().destroy_node()


def main(args=None) -> None:
    sys.exit(run_node(PoseNode, args))


if __name__ == "__main__":
    main()
