"""body_tracker_node: a depth camera's own body tracking -> ``skeletons``, for the pose node.

Subscribes ``body_tracking_data`` (visualization_msgs/MarkerArray as the Azure
Kinect ROS driver and Orbbec's K4A wrapper publish it: a marker per joint,
``id = body_id * 100 + joint``, metres in the depth camera frame) and
``depth/camera_info``; publishes ``skeletons`` (har_msgs/SkeletonArray) as the
pose node does: 3D joints and a ``POSITION_DEPTH`` position (the pelvis) in
the marker frame, image x, y projected through camera_info (the Kinect's
nominal depth intrinsics until one arrives), fresh track ids, one message per
tracker frame (an empty one when nobody is tracked). With hri_msgs the bodies
are REP-155 bodies. Markers that break the convention are counted on
``/diagnostics``, never fatal. Logic: skeleton/body_tracker.py.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from diagnostic_msgs.msg import DiagnosticArray
from sensor_msgs.msg import CameraInfo
from std_msgs.msg import Header
from visualization_msgs.msg import MarkerArray

from har_msgs.msg import SkeletonArray

from ..common.ewma import Ewma
from ..pose.body_tracker_config import BodyTrackerConfig
from ..ros import qos
from ..ros.body_markers import camera_model, decode_marker_array, joint_markers
from ..ros.diagnostics import OK, WARN, diagnostic_array
from ..ros.drops import Drops
from ..ros.hri import HriBodiesOutput, start_hri_output
from ..ros.lifecycle import ManagedNode
from ..ros.parameters import ParameterBinding
from ..ros.skeleton_msgs import frame_to_msg
from ..ros.spin import run_node, steady_timer
from ..skeleton.body_tracker import (
    NOMINAL_CAMERA,
    REJECT_REASONS,
    BodyFrame,
    BodyFrameAssembler,
    CameraModel,
    TrackIds,
    skeleton_frame,
)
from ..skeleton.layouts import get_layout


@dataclass
class _Tracking:
    """What a configured node works with (None while unconfigured)."""

    config: BodyTrackerConfig
    assembler: BodyFrameAssembler
    ids: TrackIds


class BodyTrackerNode(ManagedNode):
    """Lifecycle: configure builds the grouping, activate subscribes the tracker."""

    def __init__(self, **kwargs):
        super().__init__("body_tracker_node", **kwargs)
        self.params = ParameterBinding(self, BodyTrackerConfig, self._apply_config, load=False)
        self._tracking: _Tracking | None = None
        self._ids = TrackIds(BodyTrackerConfig.forget_after)  # never reset: ids are not reused
        self._camera: CameraModel | None = None
        self._tracker_subscriptions: list = []  # not _subscriptions: rclpy's own list
        self._timer = None
        self._hri: HriBodiesOutput | None = None
        # errors: a frame that failed past the checks (state reset, nothing published)
        self.drops = Drops(
            self.get_logger(), "malformed", "too_many_markers", "camera_info", "errors"
        )
        self._frames = 0
        self._step_ms = Ewma()
        self._pub = self.create_publisher(SkeletonArray, "skeletons", qos.STREAM)
        self._diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", qos.DEFAULT)
        steady_timer(self, 1.0, self._publish_diagnostics)

    # -- lifecycle ----------------------------------------------------------------
    def configure(self) -> None:
        config = self.params.load()
        assembler = BodyFrameAssembler(get_layout(config.layout), config.id_stride)
        self._ids.forget_s = config.forget_after  # one id counter for the node's life
        self._tracking = _Tracking(config, assembler, self._ids)

    def activate(self) -> None:
        assert self._tracking is not None  # configure ran
        config = self._tracking.config
        self._tracker_subscriptions = [
            self.create_subscription(
                MarkerArray, "body_tracking_data", self._on_markers, qos.STREAM_QUEUE, raw=True
            ),
            self.create_subscription(
                CameraInfo, "depth/camera_info", self._on_camera_info, qos.SENSOR_DATA
            ),
        ]
        # wall time: frame_quiet is how long the markers of a frame may trickle in
        self._timer = steady_timer(self, max(config.frame_quiet / 2, 0.005), self._publish_due)
        if config.hri and self._hri is None:
            self._hri = start_hri_output(self, config.hri_body_expiry)

    def deactivate(self) -> None:
        if self._tracking is not None:  # frames half-grouped now would be stale later
            self._tracking.assembler.reset()
        for sub in self._tracker_subscriptions:
            self.destroy_subscription(sub)
        self._tracker_subscriptions = []
        if self._timer is not None:
            self.destroy_timer(self._timer)
            self._timer = None

    def cleanup(self) -> None:
        self.params.unload()
        self._tracking = None

    def _apply_config(self, config: BodyTrackerConfig) -> None:
        if self._tracking is not None:
            self._tracking.config = config
            self._tracking.ids.forget_s = config.forget_after

    # -- data -----------------------------------------------------------------------
    def _on_camera_info(self, msg: CameraInfo) -> None:
        try:
            self._camera = camera_model(msg)
        except ValueError as exc:
            self.drops.drop("camera_info", f"ignored camera_info: {exc}")

    def _on_markers(self, data: bytes) -> None:
        tracking = self._tracking
        if tracking is None:
            return
        limit = tracking.config.max_markers
        try:
            msg = decode_marker_array(data)
        except Exception as exc:  # one bad message must not kill the node
            self.drops.drop("malformed", f"dropped a malformed MarkerArray: {exc!r}")
            return
        if len(msg.markers) > limit:
            self.drops.drop(
                "too_many_markers",
                f"dropped a MarkerArray of {len(msg.markers)} markers (max_markers {limit})",
            )
            return
        now_ns = self.get_clock().now().nanoseconds
        # sim time before its first /clock reads 0: no clock yet to call a stamp "future" by
        latest = now_ns + round(tracking.config.max_future_stamp * 1e9) if now_ns else None
        self._publish(
            tracking,
            lambda: tracking.assembler.add(joint_markers(msg), time.monotonic(), now_ns, latest),
        )

    def _publish_due(self) -> None:
        tracking = self._tracking
        if tracking is not None:
            quiet = tracking.config.frame_quiet
            self._publish(tracking, lambda: tracking.assembler.due(time.monotonic(), quiet))

    def _publish(self, tracking: _Tracking, ready: Callable[[], list[BodyFrame]]) -> None:
        """Publish the frames ``ready`` gives; a failure loses them, never the node."""
        camera = self._camera or NOMINAL_CAMERA
        try:
            for frame in ready():
                started = time.perf_counter()
                tracks = tracking.ids.assign(frame.bodies, frame.stamp_ns * 1e-9)
                skeletons = skeleton_frame(
                    frame, tracks, camera, tracking.config.joint_score, tracking.assembler.layout
                )
                self._pub.publish(frame_to_msg(skeletons))
                self._frames += 1
                if self._hri is not None:
                    try:  # the skeletons went out; REP-155 must not end the node
                        self._hri.publish(skeletons, time.monotonic())
                    except Exception as exc:
                        self.get_logger().error(
                            f"REP-155 output failed: {exc!r}", throttle_duration_sec=5.0
                        )
                self._step_ms.add((time.perf_counter() - started) * 1000.0)
        except Exception as exc:  # a hole no check foresaw: start the grouping afresh
            tracking.assembler.reset()
            self.drops.drop("errors", f"a tracker frame failed, dropped: {exc!r}", error=True)

    def _publish_diagnostics(self) -> None:
        header = Header(stamp=self.get_clock().now().to_msg())
        name = f"{self.get_fully_qualified_name()}: body tracking"
        tracking = self._tracking
        if tracking is None:
            self._diag_pub.publish(
                diagnostic_array(
                    header, name, "har_ros", WARN, f"lifecycle state {self.lifecycle_state}", {}
                )
            )
            return
        rejected = tracking.assembler.rejected
        values = {
            "frames": self._frames,
            "step_ms": self._step_ms.value,
            "tracks": len(tracking.ids),
            "restarts": tracking.assembler.restarts,
            **{f"rejected_{reason}": rejected[reason] for reason in REJECT_REASONS},
            **self.drops.counts,
            "last_problem": tracking.assembler.last_problem,
        }
        problems = []
        if self._camera is None:
            problems.append("no camera_info yet: nominal Azure Kinect depth intrinsics")
        broken = sum(rejected[r] for r in REJECT_REASONS if r != "delete")
        if broken:
            problems.append(f"{broken} markers refused ({tracking.assembler.last_problem})")
        self._diag_pub.publish(
            diagnostic_array(
                header,
                name,
                "har_ros",
                WARN if problems else OK,
                "; ".join(problems) if problems else f"{self._frames} frames published",
                values,
            )
        )


def main(args=None) -> None:
    sys.exit(run_node(BodyTrackerNode, args))


if __name__ == "__main__":
    main()
