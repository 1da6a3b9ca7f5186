"""person_fusion: every camera's skeletons -> one SkeletonArray of fused people in the cell frame.

Subscribes ``/<camera>/skeletons`` for each camera of the cell description
(``cell_file``), fuses the newest frames of one instant (cell/stage.py,
cell/fusion.py) and publishes ``skeletons`` (fused ids, the primary view's 2D
keypoints, triangulated 3D keypoints and positions in ``cell_frame``,
``position_uncertainty``) and ``coverage`` (har_msgs/CameraCoverage: which
cameras are live). The action and safety nodes consume the output unchanged.
With tf2_ros it broadcasts the cameras' static transforms from the same file,
so RViz and TF users see the rig. Silent cameras publish nothing and the
fused output stops when all are silent: silence, never "nobody there". With
hri_msgs installed the fused people are the cell's REP-155 bodies (ros/hri.py).
"""

from __future__ import annotations

import sys
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.serialization import deserialize_message
from std_msgs.msg import Header

from har_msgs.msg import CameraCoverage, SkeletonArray

from ..cell.description import Cell, CellError, default_cell_file, load_cell
from ..cell.fusion import Detection, FusedPerson, PersonFusion
from ..cell.node_config import FusionNodeConfig
from ..cell.stage import FusionStage
from ..common.ewma import Ewma
from ..common.stage_cpu import StageCpu
from ..ros import qos
from ..ros.diagnostics import OK, WARN, diagnostic_array
from ..ros.drops import Drops
from ..ros.frames import FrameError, check_transform, tf2_available, transform_msg
from ..ros.hri import HriBodiesOutput, start_hri_output
from ..ros.lifecycle import ManagedNode
from ..ros.parameters import ParameterBinding
from ..ros.skeleton_msgs import frame_to_msg, msg_to_frame
from ..ros.spin import run_node
from ..ros.stamps import ns_to_stamp
from ..skeleton.conversions import can_convert, convert
from ..skeleton.layouts import keypoint_count_problem
from ..skeleton.types import Person, PositionSource, SkeletonFrame

FUSED_LAYOUT = "coco17"  # what triangulation and the fused output use


def fused_frame(
    people: list[FusedPerson], stamp_ns: int, cell_frame: str, width: int, height: int
) -> SkeletonFrame:
    """The fused people: 2D of the primary view, 3D and positions in the cell frame."""
    persons = []
    for p in people:
        view = p.detections[p.primary]
        person = Person(
            np.asarray(view.keypoints, np.float32),
            FUSED_LAYOUT,
            float(np.mean(view.keypoints[:, 2])),
            view.bbox,
            p.fused_id,
            keypoints_3d=p.keypoints_3d,
        )
        if p.position is not None:
            person.position = np.asarray(p.position, np.float64)
            person.position_source = (
                PositionSource.TRIANGULATED if p.keypoints_3d is not None else PositionSource.FLOOR
            )
            person.position_frame_id = cell_frame
        persons.append(person)
    return SkeletonFrame(stamp_ns, cell_frame, width, height, persons)


def fused_to_msg(people: list[FusedPerson], frame: SkeletonFrame) -> SkeletonArray:
    """``frame`` (from fused_frame) as a SkeletonArray, with each position's uncertainty."""
    msg = frame_to_msg(frame)
    for fused, skeleton in zip(people, msg.skeletons, strict=True):
        if skeleton.position_valid:
            skeleton.position_uncertainty = float(fused.uncertainty)
    return msg


class PersonFusionNode(ManagedNode):
    """Lifecycle: configure reads the cell file, activate subscribes the cameras."""

    def __init__(self, **kwargs):
        super().__init__("person_fusion", **kwargs)
        self.params = ParameterBinding(
            self, FusionNodeConfig, self._apply_config, self._prepare, load=False
        )
        self._cell: Cell | None = None
        self._next_cell: Cell | None = None
        self._fusion: PersonFusion | None = None
        self._stage: FusionStage | None = None
        self._camera_subscriptions = []
        self._timer = None
        self._tf_broadcaster = None
        self._tf_buffer = None
        self._tf_listener = None
        self._no_transform = 0
        self._hri: HriBodiesOutput | None = None
        self._scaled: dict[str, tuple[int, object]] = {}  # camera -> (width, calibration)
        # left_out: camera frames of an instant that could not be fused
        self.drops = Drops(self.get_logger(), "malformed", "left_out", "fusion_errors")
        self._step_ms = Ewma()
        self._stages = StageCpu()
        self._pub = self.create_publisher(SkeletonArray, "skeletons", qos.STREAM)
        self._coverage_pub = self.create_publisher(CameraCoverage, "coverage", qos.STREAM)
        self._diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", qos.DEFAULT)
        self.create_timer(1.0, self._publish_diagnostics)

    # -- lifecycle ----------------------------------------------------------------
    def configure(self) -> None:
        config = self.params.load()
        if config.extrinsics == "tf":
            if not tf2_available():
                self.params.unload()
                raise ValueError(
                    "extrinsics 'tf' needs tf2_ros, which is not installed "
                    "(extrinsics:=file uses the cell file's calibration)"
                )
            if self._tf_buffer is None:  # one listener for the node's life
                import tf2_ros

                self._tf_buffer = tf2_ros.Buffer(node=self)
                self._tf_listener = tf2_ros.TransformListener(self._tf_buffer, self)

    def activate(self) -> None:
        config = self.params.config
        for cam in self._cell.cameras:
            self._camera_subscriptions.append(
                self.create_subscription(
                    SkeletonArray,
                    cam.topic("skeletons"),
                    lambda data, name=cam.name: self._on_skeletons(name, data),
                    qos.STREAM_QUEUE,
                    raw=True,
                )
            )
        self._timer = self.create_timer(1.0 / config.rate_hz, self._step)
        if config.publish_camera_tf:
            self._broadcast_camera_tf()
        if config.hri and self._hri is None:
            self._hri = start_hri_output(self, config.hri_body_expiry)

    def deactivate(self) -> None:
        for sub in self._camera_subscriptions:
            self.destroy_subscription(sub)
        self._camera_subscriptions = []
        if self._timer is not None:
            self.destroy_timer(self._timer)
            self._timer = None

    def cleanup(self) -> None:
        self.params.unload()
        self._cell = self._fusion = self._stage = None

    def _prepare(self, config: FusionNodeConfig) -> None:
        """Read the cell file a new config names; a bad one refuses the change."""
        self._next_cell = None
        if (
            self._cell is not None
            and self.params.config is not None
            and config.cell_file == self.params.config.cell_file
        ):
            return
        try:
            self._next_cell = load_cell(config.cell_file or default_cell_file())
        except (CellError, FileNotFoundError) as exc:
            raise ValueError(f"cell_file refused: {exc}") from exc

    def _apply_config(self, config: FusionNodeConfig) -> None:
        if self._next_cell is not None:
            self._cell, self._next_cell = self._next_cell, None
            self._fusion = PersonFusion(self._cell.calibrations(), config=config.fusion())
            self._stage = FusionStage(
                [c.name for c in self._cell.cameras],
                {c.name: c.time_offset for c in self._cell.cameras},
                config.sync_tolerance,
                config.camera_timeout,
                config.max_future_stamp,
                config.sync_wait,
                config.max_clock_offset,
            )
            self._scaled.clear()
            self.get_logger().info(
                f"cell {self._cell.path}: cameras {[c.name for c in self._cell.cameras]}"
            )
        else:
            self._fusion.config = config.fusion()
            self._stage.set_limits(
                config.sync_tolerance,
                config.camera_timeout,
                config.max_future_stamp,
                config.sync_wait,
                config.max_clock_offset,
            )

    def _broadcast_camera_tf(self) -> None:
        if not tf2_available():
            self.get_logger().warning(
                "tf2_ros is not installed: camera transforms are not "
                "broadcast (fusion uses the cell file's calibration)"
            )
            return
        from tf2_ros import StaticTransformBroadcaster

        self._tf_broadcaster = StaticTransformBroadcaster(self)
        stamp = self.get_clock().now().to_msg()
        self._tf_broadcaster.sendTransform(
            [
                transform_msg(
                    stamp, self._cell.cell_frame, cam.frame_id, *cam.calibration.pose_in_cell()
                )
                for cam in self._cell.cameras
            ]
        )

    # -- data -----------------------------------------------------------------------
    def _on_skeletons(self, camera: str, data: bytes) -> None:
        try:
            with self._stages.stage("receive"):  # deserialise and convert
                frame = msg_to_frame(deserialize_message(data, SkeletonArray))
        except Exception as exc:  # one bad message must not kill the node
            self.drops.drop("malformed", f"{camera}: dropped a malformed SkeletonArray: {exc!r}")
            return
        now_ns = self.get_clock().now().nanoseconds
        refused = self._stage.future_refused
        self._stage.add(camera, frame.stamp_ns, frame, now_ns)
        if self._stage.future_refused > refused:
            self.get_logger().warning(
                f"{camera}: refused skeletons stamped {frame.stamp_ns * 1e-9:.3f} s, more "
                f"than max_future_stamp ahead of the clock ({now_ns * 1e-9:.3f} s)",
                throttle_duration_sec=5.0,
            )

    def _calibration(self, camera: str, width: int, frame_id: str):
        """The camera for images ``width`` wide, posed by the file or by TF.

        Raises FrameError (TF) or ValueError (a width it cannot scale to) with the reason.
        """
        cached = self._scaled.get(camera)  # one size per camera: a bounded cache
        if cached is None or cached[0] != width:
            cached = self._scaled[camera] = (
                width,
                self._cell.camera(camera).calibration.scaled(width),
            )
        if self.params.config.extrinsics != "tf":
            return cached[1]
        from rclpy.time import Time

        try:
            t = self._tf_buffer.lookup_transform(self._cell.cell_frame, frame_id, Time())
        except Exception as exc:  # tf2's lookup errors: this camera cannot be placed now
            self._no_transform += 1
            raise FrameError(f"no transform {frame_id} -> {self._cell.cell_frame}: {exc}") from exc
        check_transform(t.transform, frame_id, self._cell.cell_frame)
        tr, q = t.transform.translation, t.transform.rotation
        return cached[1].with_pose((tr.x, tr.y, tr.z), (q.x, q.y, q.z, q.w))

    def _detections(self, camera: str, frame) -> list[Detection]:
        """The frame's people as coco17 detections; ValueError/FrameError: not fusable now."""
        limit = self.params.config.max_people
        if len(frame.people) > limit:
            raise ValueError(f"{len(frame.people)} people, more than max_people {limit}")
        if frame.width <= 0:
            raise ValueError(f"image width {frame.width}")
        self._fusion.cameras[camera] = self._calibration(camera, frame.width, frame.frame_id)
        detections = []
        for p in frame.people:
            problem = keypoint_count_problem(p.layout, len(p.keypoints))
            if problem is not None:
                raise ValueError(f"track {p.track_id}: {problem}")
            if not can_convert(p.layout, FUSED_LAYOUT):
                raise ValueError(f"layout {p.layout!r} cannot be converted to {FUSED_LAYOUT}")
            keypoints = convert(p.keypoints, p.layout, FUSED_LAYOUT)  # LayoutError: bad size
            detections.append(Detection(camera, keypoints, p.bbox, p.track_id))
        return detections

    def _step(self) -> None:
        now_ns = self.get_clock().now().nanoseconds
        instant = self._stage.instant(now_ns)
        if instant is not None:
            self._fuse(*instant)
        coverage = self._stage.coverage(now_ns)
        self._coverage_pub.publish(
            CameraCoverage(
                header=Header(stamp=ns_to_stamp(now_ns), frame_id=self._cell.cell_frame),
                cameras=list(coverage.cameras),
                live=list(coverage.live),
                age=[float(a) for a in coverage.age_s],
                reasons=list(coverage.reasons),
            )
        )

    def _fuse(self, stamp_ns: int, frames: dict) -> None:
        started = time.perf_counter()
        stages = self._stages
        detections = []
        for camera, frame in frames.items():
            try:
                with stages.stage("detections"):
                    detections += self._detections(camera, frame)
            except (ValueError, FrameError) as exc:  # LayoutError is a ValueError
                self._stage.left_out(camera, str(exc))
                self.drops.drop("left_out", f"{camera}: not fused: {exc}")
                continue
            self._stage.fused(camera)
        try:
            with stages.stage("association_triangulation"):
                people = self._fusion.update(detections)
        except Exception as exc:  # a hole no check foresaw: no array beats a wrong one
            self._fusion.tracks.clear()  # whatever half-updated state it left: start afresh
            self.drops.drop(
                "fusion_errors",
                "a fusion step failed and published nothing (the "
                f"safety node stops on stale skeletons): {exc!r}",
                error=True,
            )
            return
        # 2D keypoints are each person's primary view's: the largest camera's size holds all
        width = max(f.width for f in frames.values())
        height = max(f.height for f in frames.values())
        with stages.stage("message"):
            frame = fused_frame(people, stamp_ns, self._cell.cell_frame, width, height)
            msg = fused_to_msg(people, frame)
        with stages.stage("publish"):
            self._pub.publish(msg)
        if self._hri is not None:
            try:  # the skeletons went out; REP-155 must not end the node
                with stages.stage("hri"):
                    self._hri.publish(frame, time.monotonic())
            except Exception as exc:
                self.get_logger().error(
                    f"REP-155 output failed: {exc!r}", throttle_duration_sec=5.0
                )
        self._step_ms.add((time.perf_counter() - started) * 1000.0)
        stages.frame_done()

    def _publish_diagnostics(self) -> None:
        header = Header(stamp=self.get_clock().now().to_msg())
        if self._stage is None:
            self._diag_pub.publish(
                diagnostic_array(
                    header,
                    f"{self.get_fully_qualified_name()}: fusion",
                    "har_ros",
                    WARN,
                    f"lifecycle state {self.lifecycle_state}",
                    {},
                )
            )
            return
        now_ns = self.get_clock().now().nanoseconds
        coverage = self._stage.coverage(now_ns)
        offsets = {
            f"{c}_clock_offset_s": round(offset, 4)
            for c in coverage.cameras
            if (offset := self._stage.clock_offset(c, now_ns)) is not None
        }
        values = {
            "steps": self._step_ms.count,
            "step_ms": self._step_ms.value,
            **self.drops.counts,
            "no_transform": self._no_transform,
            "future_stamps_refused": self._stage.future_refused,
            "tracks": len(self._fusion.tracks),
            **{f"{c}_age_s": a for c, a in zip(coverage.cameras, coverage.age_s, strict=True)},
            **offsets,
            **{
                f"{c}_{what}": getattr(self._stage.slots[c], field)
                for c in coverage.cameras
                for what, field in (("received", "received"), ("fused", "fused_frames"))
            },
            **self._stages.diagnostic_values(),
        }
        blind = coverage.explained()
        self._diag_pub.publish(
            diagnostic_array(
                header,
                f"{self.get_fully_qualified_name()}: fusion",
                "har_ros",
                WARN if blind else OK,
                f"cameras not live: {'; '.join(blind)}" if blind else "all cameras live",
                values,
            )
        )


def main(args=None) -> None:
    sys.exit(run_node(PersonFusionNode, args))


if __name__ == "__main__":
    main()
