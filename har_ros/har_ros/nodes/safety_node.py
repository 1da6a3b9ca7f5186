"""safety_node: skeletons + /action (+ robot position) -> speed_scaling and safety/status.

A non-rated, additional protective layer: it does not replace a safety-rated
system. It decides at once when a SkeletonArray arrives (no wait for the next
tick) and at least every 1/rate_hz even with no input at all (then 0, with the
reason), so a robot driver listening to speed_scaling never sees silence.

Inputs are read serialized and bounded before they are deserialized: a
message that could hold more than ``max_people`` people is answered with a
protective stop without being read, so no input can starve the output. Input
age is judged by header stamp against the node's clock (sim time in a bag
replay) as well as by arrival.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import time

import numpy as np
from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PointStamped
from rclpy.serialization import deserialize_message
from std_msgs.msg import Float64, Header

from har_msgs.msg import ActionArray, CameraCoverage, InputStatus, SafetyStatus, SkeletonArray

from ..common.rate_meter import RateMeter
from ..ros import qos
from ..ros.diagnostics import ERROR, OK, WARN, diagnostic_array
from ..ros.frames import CellFrames, FrameError, tf2_available
from ..ros.lifecycle import ManagedNode
from ..ros.parameters import ParameterBinding
from ..ros.skeleton_msgs import msg_position
from ..ros.spin import run_node, steady_timer
from ..ros.stamps import stamp_to_ns
from ..safety.node_config import SafetyNodeConfig
from ..safety.policy import (
    Decision,
    PersonObservation,
    SafetyPolicy,
    SafetyState,
    image_anchor,
)
from ..skeleton.layouts import keypoint_count_problem
from ..skeleton.types import PositionSource

#: Serialized bytes one person may take at most (a 100-joint custom layout with long
#: names); a message longer than max_people of these is refused without reading it.
MAX_BYTES_PER_PERSON = 4096

_LEVEL = {SafetyState.NORMAL: OK, SafetyState.REDUCED: OK, SafetyState.STARTUP: WARN,
          SafetyState.PROTECTIVE_STOP: WARN, SafetyState.FAULT: ERROR}


class MatrixLocator:
    """Without TF: depth positions through the 3x4 camera_to_floor, floor positions as they are.

    With no TF the node cannot move a position between frames, so each kind
    of position (depth, floor, triangulated) is pinned to the first frame it
    came in; one in another frame later is a FrameError (stop, both frames
    named), never a distance measured in the wrong frame.
    """

    def __init__(self, floor_from_camera: np.ndarray):
        self.floor_from_camera = floor_from_camera
        self.frames: dict[PositionSource, str] = {}

    def __call__(self, p: np.ndarray, source: PositionSource, frame_id: str,
                 stamp) -> np.ndarray:
        pinned = self.frames.setdefault(source, frame_id)
        if frame_id != pinned:
            raise FrameError(f"a {source.name.lower()} position in frame {frame_id!r}, but "
                             f"they came in {pinned!r} so far; without cell_frame (TF) a "
                             "position cannot change frames")
        if source == PositionSource.DEPTH:
            return self.floor_from_camera[:, :3] @ p + self.floor_from_camera[:, 3]
        return p


def tf_locator(frames: CellFrames):
    """With TF: every position from its own frame into the cell frame (FrameError if not)."""

    def locate(p: np.ndarray, source: PositionSource, frame_id: str, stamp) -> np.ndarray:
        return frames.to_cell(p, frame_id, stamp)

    return locate


def observe_people(msg: SkeletonArray, locate) -> list[PersonObservation]:
    """Where each person stands: floor x, y from a valid 3D position, else image anchor.

    A position with a negative or non-finite uncertainty counts as no position,
    and an empty box as no image anchor (so the image zones cannot clear it).
    """
    people = []
    for skeleton in msg.skeletons:
        floor_xy = None
        uncertainty = float(skeleton.position_uncertainty)
        located = msg_position(skeleton)  # None unless valid with a known source
        if located is not None and math.isfinite(uncertainty) and uncertainty >= 0:
            p, source = located
            p = locate(p, source, skeleton.position_frame_id or msg.header.frame_id,
                       msg.header.stamp)
            if np.all(np.isfinite(p)):
                floor_xy = (float(p[0]), float(p[1]))
        roi = skeleton.bbox  # an empty box says nothing of where in the image: no anchor
        uv = image_anchor((roi.x_offset, roi.y_offset, roi.x_offset + roi.width,
                           roi.y_offset + roi.height)) if roi.width and roi.height else None
        people.append(PersonObservation(int(skeleton.track_id), floor_xy, uv,
                                        uncertainty if floor_xy is not None else 0.0))
    return people


def malformed_skeleton(msg: SkeletonArray) -> str | None:
    """Why a skeleton of ``msg`` cannot be read as its layout says (None when all can)."""
    for skeleton in msg.skeletons:
        problem = keypoint_count_problem(skeleton.layout, len(skeleton.keypoints))
        if problem is not None:
            return f"track {skeleton.track_id}: {problem}"
    return None


def triangulated_joints(msg: SkeletonArray) -> dict[int, np.ndarray]:
    """Track id -> (J, 3) keypoint positions of the coco17 people person_fusion triangulated."""
    joints = {}
    for skeleton in msg.skeletons:
        if skeleton.position_source == PositionSource.TRIANGULATED and \
                skeleton.layout == "coco17":  # the bones drawn; counts were checked on arrival
            joints[int(skeleton.track_id)] = np.array(
                [(k.position.x, k.position.y, k.position.z) if k.has_position else (np.nan,) * 3
                 for k in skeleton.keypoints], np.float64)
    return joints


class MarkerPublisher:
    """safety/markers for RViz at most 10 Hz, when visualization_msgs is installed."""

    PERIOD_S = 0.1

    def __init__(self, node):
        from visualization_msgs.msg import MarkerArray

        self._pub = node.create_publisher(MarkerArray, "safety/markers", qos.DEFAULT)
        self._last = 0.0
        self._joints: dict[int, np.ndarray] = {}
        self._frame_id = ""

    @classmethod
    def create(cls, node) -> MarkerPublisher | None:
        if not node.params.current().publish_markers:
            return None
        if importlib.util.find_spec("visualization_msgs") is None:
            node.get_logger().info("visualization_msgs not installed: no safety/markers")
            return None
        return cls(node)

    def on_skeletons(self, msg: SkeletonArray) -> None:
        self._joints = triangulated_joints(msg)
        self._frame_id = msg.header.frame_id

    def maybe_publish(self, now: float, header: Header, decision: Decision,
                      policy: SafetyPolicy, config: SafetyNodeConfig) -> None:
        if now - self._last < self.PERIOD_S:
            return
        self._last = now
        from ..ros.markers import PersonMarker, safety_markers
        from ..safety.zone_rings import zone_rings
        from ..skeleton.layouts import get_layout

        people = []
        for person in policy.people:
            label, confidence = policy.action_of(person.track_id) or ("", 0.0)
            people.append(PersonMarker(person.track_id, person.floor_xy,
                                       self._joints.get(person.track_id), label, confidence,
                                       policy.separation(person)))
        cfg = policy.config
        rings = zone_rings(cfg.robot_zone, cfg.ssm, cfg.rules, policy.robot_offset)
        frame = Header(stamp=header.stamp, frame_id=config.cell_frame or self._frame_id)
        self._pub.publish(safety_markers(frame, decision.state, decision.scale, rings, people,
                                         list(get_layout("coco17").bones),
                                         decision.nearest_track_id))


class SafetyNode(ManagedNode):
    """Lifecycle: the speed output runs in every state and is 0 unless active.

    Unconfigured or inactive: 0 at rate_hz, state STARTUP, the reason names the
    lifecycle state. Active: the policy decides (from STARTUP). Finalized: one
    last 0, then silence, which a consumer treats as 0 (speed_guard does).
    """

    def __init__(self, **kwargs):
        super().__init__("safety_node", **kwargs)
        self._policy: SafetyPolicy | None = None
        self._locate = MatrixLocator(np.eye(3, 4))
        self._frames: CellFrames | None = None
        self._timer = None
        self._input_subscriptions = []
        self.params = ParameterBinding(self, SafetyNodeConfig, self._apply_config, load=False)
        self._meters = {name: RateMeter() for name in ("skeletons", "action", "robot_position",
                                                       "coverage")}
        self._input_stamps = {"skeletons": Time(), "action": Time()}
        self.dropped = 0
        self.oversized = 0
        self.malformed = 0  # refused: keypoints that do not fit their layout
        self.report_errors = 0  # status, marker or diagnostics building that failed
        self._scale_pub = self.create_publisher(Float64, "speed_scaling", qos.SPEED_COMMAND)
        self._factor_pub, self._factor_msg = self._speed_factor_publisher()
        self._status_pub = self.create_publisher(SafetyStatus, "safety/status", qos.STATE)
        self._diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", qos.DEFAULT)
        self._last_diag = 0.0
        self._markers = MarkerPublisher.create(self)
        self._timer = steady_timer(self, 1.0 / SafetyNodeConfig.rate_hz, self._on_timer)
        self.get_logger().info(
            "safety_node: NON-RATED protective layer, does not replace a safety-rated system")

    # -- lifecycle ----------------------------------------------------------------
    def configure(self) -> None:
        config = self.params.load()
        if config.cell_frame:
            if not tf2_available():
                self.params.unload()
                raise ValueError(f"cell_frame {config.cell_frame!r} needs tf2_ros, which is "
                                 "not installed (leave cell_frame empty to use camera_to_floor)")
            if self._frames is None:  # one TF listener for the node's life
                self._frames = CellFrames(self, config.cell_frame, config.robot_frame,
                                          config.max_transform_age)
            self._frames.cell_frame, self._frames.robot_frame = (config.cell_frame,
                                                                 config.robot_frame)
            self._locate = tf_locator(self._frames)

    def activate(self) -> None:
        self._policy = SafetyPolicy(self.params.config.policy_config())  # startup again
        # Serialized, so that an oversized message costs nothing before it is refused.
        self._input_subscriptions = [
            self.create_subscription(SkeletonArray, "skeletons", self._on_skeletons_raw,
                                     qos.STREAM_QUEUE, raw=True),
            self.create_subscription(ActionArray, "action", self._on_actions_raw,
                                     qos.STREAM_QUEUE, raw=True),
            self.create_subscription(PointStamped, "robot_position", self._on_robot, qos.STATE)]
        if self.params.config.use_coverage:
            self._input_subscriptions.append(self.create_subscription(
                CameraCoverage, "coverage", self._on_coverage, qos.STREAM_QUEUE))

    def deactivate(self) -> None:
        for subscription in self._input_subscriptions:
            self.destroy_subscription(subscription)
        self._input_subscriptions = []
        self.lifecycle_state = "inactive"
        self._decide(time.monotonic())  # 0 at once, not at the next tick

    def cleanup(self) -> None:
        self._policy = None
        self.params.unload()

    def on_shutdown(self, state):
        result = super().on_shutdown(state)
        self._decide(time.monotonic())  # the last word is 0; then silence
        self.destroy_timer(self._timer)
        return result

    # -- parameters ---------------------------------------------------------
    def _apply_config(self, config: SafetyNodeConfig) -> None:
        if self._policy is not None:  # a change while active keeps the policy's state
            self._policy.set_config(config.policy_config())
        if not config.cell_frame:
            self._locate = MatrixLocator(config.floor_transform())
        if self._timer is not None:
            self.destroy_timer(self._timer)
        self._timer = steady_timer(self, 1.0 / config.rate_hz, self._on_timer)

    def _speed_factor_publisher(self):
        """control_msgs/SpeedScalingFactor twin of speed_scaling, when control_msgs exists."""
        if not self.params.current().publish_speed_factor:
            return None, None
        if importlib.util.find_spec("control_msgs") is None:
            self.get_logger().info("control_msgs not installed: no speed_scaling_factor topic")
            return None, None
        from control_msgs.msg import SpeedScalingFactor

        return (self.create_publisher(SpeedScalingFactor, "speed_scaling_factor",
                                      qos.SPEED_COMMAND), SpeedScalingFactor)

    # -- inputs --------------------------------------------------------------
    def _bounded(self, raw: bytes, msg_type, what: str):
        """The message, or None (counted, fail-safe) when it is too large or malformed."""
        limit = self.params.config.max_people
        try:
            if len(raw) > limit * MAX_BYTES_PER_PERSON:
                raise OverflowError(f"{len(raw)} bytes, more than {limit} people can take")
            msg = deserialize_message(raw, msg_type)
            count = len(msg.skeletons if msg_type is SkeletonArray else msg.actions)
            if count > limit:
                raise OverflowError(f"{count} entries, more than max_people {limit}")
        except OverflowError as exc:
            self.oversized += 1
            self.get_logger().error(f"refused a {what} message: {exc}",
                                    throttle_duration_sec=5.0)
            self._policy.on_input_fault(time.monotonic(), f"{what} message refused: {exc}")
            self._decide(time.monotonic())
            return None
        except Exception as exc:  # a corrupt message must not kill the node
            self.dropped += 1
            self.get_logger().warning(f"dropped a malformed {what} message: {exc!r}",
                                      throttle_duration_sec=5.0)
            return None
        return msg

    def _on_skeletons_raw(self, raw: bytes) -> None:
        msg = self._bounded(raw, SkeletonArray, "skeletons")
        if msg is not None:
            self._on_skeletons(msg)

    def _on_actions_raw(self, raw: bytes) -> None:
        msg = self._bounded(raw, ActionArray, "action")
        if msg is not None:
            self._on_actions(msg)

    def _on_skeletons(self, msg: SkeletonArray) -> None:
        now = time.monotonic()
        problem = malformed_skeleton(msg)
        if problem is not None:  # somebody is there, but the message cannot be trusted
            self.malformed += 1
            self.get_logger().error(f"refused a malformed SkeletonArray: {problem}",
                                    throttle_duration_sec=5.0)
            self._policy.on_input_fault(now, f"skeletons message refused: {problem}")
            self._decide(now)
            return
        try:
            people = observe_people(msg, self._locate)
        except FrameError as exc:  # an unknown distance: fail safe, say why
            self._policy.on_input_fault(now, f"skeletons in frame: {exc}")
            self._decide(now)
            return
        except Exception as exc:  # one bad message must not kill the node
            self.dropped += 1
            self.get_logger().warning(f"dropped a malformed SkeletonArray: {exc!r}",
                                      throttle_duration_sec=5.0)
            return
        self._meters["skeletons"].tick(now)
        self._input_stamps["skeletons"] = msg.header.stamp
        self._policy.on_skeletons(now, people, stamp_to_ns(msg.header.stamp) * 1e-9)
        if self._markers is not None:
            self._markers.on_skeletons(msg)
        self._decide(now)
        self._timer.reset()  # the next periodic decision is a full period after this one

    def _on_actions(self, msg: ActionArray) -> None:
        now = time.monotonic()
        actions = {int(a.track_id): (a.label, float(a.confidence)) for a in msg.actions
                   if math.isfinite(a.confidence)}
        self._meters["action"].tick(now)
        self._input_stamps["action"] = msg.header.stamp
        self._policy.on_actions(now, actions, stamp_to_ns(msg.header.stamp) * 1e-9)

    def _on_coverage(self, msg: CameraCoverage) -> None:
        now = time.monotonic()
        try:
            self._policy.on_coverage(now, list(msg.cameras), [bool(v) for v in msg.live],
                                     stamp_to_ns(msg.header.stamp) * 1e-9)
        except ValueError as exc:
            self.dropped += 1
            self.get_logger().warning(f"dropped coverage: {exc}", throttle_duration_sec=5.0)
            return
        self._meters["coverage"].tick(now)

    def _on_robot(self, msg: PointStamped) -> None:
        now = time.monotonic()
        try:
            self._policy.on_robot_position(now, (msg.point.x, msg.point.y))
        except ValueError as exc:
            self.dropped += 1
            self.get_logger().warning(f"dropped robot_position: {exc}", throttle_duration_sec=5.0)
            return
        self._meters["robot_position"].tick(now)

    # -- output ---------------------------------------------------------------
    def _on_timer(self) -> None:
        self._decide(time.monotonic())

    def _decision(self, now: float, clock_now) -> Decision:
        if self.lifecycle_state != "active" or self._policy is None:
            return Decision(0.0, SafetyState.STARTUP if self.lifecycle_state != "finalized"
                            else SafetyState.PROTECTIVE_STOP,
                            f"lifecycle state {self.lifecycle_state}: held at 0 until active")
        if self._frames is not None and self.params.config.robot_frame:
            try:  # the robot's position from TF, like any other input
                self._policy.on_robot_position(now, self._frames.robot_xy())
            except (FrameError, ValueError) as exc:  # unknown or non-finite: stop
                self._policy.on_input_fault(now, f"robot: {exc}")
        return self._policy.step(now, clock_now.nanoseconds * 1e-9)

    def _decide(self, now: float) -> None:
        clock_now = self.get_clock().now()
        decision = self._decision(now, clock_now)
        self._scale_pub.publish(Float64(data=float(decision.scale)))
        if self._factor_pub is not None:
            self._factor_pub.publish(self._factor_msg(factor=float(decision.scale)))
        try:  # the command is out; explaining it must never end the node
            self._report(now, clock_now, decision)
        except Exception as exc:
            self.report_errors += 1
            self.get_logger().error(f"status/markers/diagnostics failed ({self.report_errors} "
                                    f"so far), the speed command was sent: {exc!r}",
                                    throttle_duration_sec=5.0)

    def _report(self, now: float, clock_now, decision: Decision) -> None:
        """safety/status, RViz markers and /diagnostics for one decision."""
        config = self.params.config  # None until configured: no inputs to report then
        inputs = [] if config is None else [
            InputStatus(name=name, age=meter.age(now), rate=meter.rate(now),
                        healthy=meter.age(now) <= timeout)
            for name, meter, timeout in (
                ("skeletons", self._meters["skeletons"], config.skeleton_timeout),
                ("action", self._meters["action"], config.action_timeout),
                ("robot_position", self._meters["robot_position"], config.robot_pose_timeout),
                ("coverage", self._meters["coverage"], config.skeleton_timeout))
            if (name != "robot_position" or config.use_robot_pose) and
            (name != "coverage" or config.use_coverage)]
        header = Header(stamp=clock_now.to_msg())
        self._status_pub.publish(SafetyStatus(
            header=header, speed_scale=float(decision.scale), state=int(decision.state),
            reason=decision.reason, min_separation=float(decision.min_separation),
            nearest_track_id=int(decision.nearest_track_id),
            active_rules=list(decision.active_rules), inputs=inputs,
            skeletons_stamp=self._input_stamps["skeletons"],
            actions_stamp=self._input_stamps["action"]))
        if self._markers is not None and self._policy is not None and config is not None:
            self._markers.maybe_publish(now, header, decision, self._policy, config)
        if now - self._last_diag >= 1.0:
            self._last_diag = now
            values = {"speed_scale": decision.scale, "state": decision.state.name,
                      "dropped_messages": self.dropped, "oversized_messages": self.oversized,
                      "malformed_messages": self.malformed,
                      "report_errors": self.report_errors}
            for name, meter in self._meters.items():
                values[f"{name}_received"] = meter.count
            for item in inputs:
                values[f"{item.name}_age_s"] = item.age
                values[f"{item.name}_rate_hz"] = item.rate
            self._diag_pub.publish(diagnostic_array(
                header, f"{self.get_name()}: speed and separation monitoring", "har_ros",
                _LEVEL[decision.state], decision.reason, values))


def main(args=None) -> None:
    sys.exit(run_node(SafetyNode, args))


if __name__ == "__main__":
    main()
