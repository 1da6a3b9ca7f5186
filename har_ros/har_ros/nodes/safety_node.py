"""safety_node: skeletons + /action (+ robot position) -> speed_scaling and safety/status.

A non-rated, additional protective layer: it does not replace a safety-rated
system. It decides at once when a SkeletonArray arrives (no wait for the next
tick) and at least every 1/rate_hz even with no input at all (then 0, with the
reason), so a robot driver listening to speed_scaling never sees silence.

Inputs are read serialized and bounded before they are deserialized: a
message that could hold more than ``max_people`` people is answered with a
protective stop without being read, so no input can starve the output. Input
age is judged by header stamp against the node's clock (sim time in a bag
replay) as well as by arrival. The node is wiring: what it reads from messages
is ros/safety_inputs, what it decides is safety/policy, what it reports is
ros/safety_report and ros/markers.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import PointStamped

from har_msgs.msg import ActionArray, CameraCoverage, SkeletonArray

from ..common.rate_meter import RateMeter
from ..common.stage_cpu import StageCpu
from ..ros import qos
from ..ros.drops import Drops
from ..ros.frames import CellFrames, FrameError, tf2_available
from ..ros.lifecycle import ManagedNode
from ..ros.parameters import ParameterBinding
from ..ros.safety_inputs import (
    MatrixLocator,
    malformed_skeleton,
    observe_people,
    read_bounded,
    tf_locator,
)
from ..ros.safety_report import SafetyReporter
from ..ros.speed_command import SpeedCommand
from ..ros.spin import run_node, steady_timer
from ..ros.stamps import stamp_to_ns
from ..safety.node_config import SafetyNodeConfig
from ..safety.policy import Decision, SafetyPolicy, SafetyState

INPUTS = ("skeletons", "action", "robot_position", "coverage")


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
        self._meters = {name: RateMeter() for name in INPUTS}
        self._stages = StageCpu()
        self._input_stamps = {"skeletons": Time(), "action": Time()}
        # dropped: unreadable; oversized/malformed: refused with a stop; report_errors:
        # status, marker or diagnostics building that failed (the command was still sent)
        self.drops = Drops(
            self.get_logger(),
            "dropped_messages",
            "oversized_messages",
            "malformed_messages",
            "report_errors",
        )
        self._command = SpeedCommand(self, self.params.current().publish_speed_factor)
        self._reporter = SafetyReporter(self, self.params.current().publish_markers, self._stages)
        self.create_timer(1.0, self._check_frames)
        self._timer = steady_timer(self, 1.0 / SafetyNodeConfig.rate_hz, self._on_timer)
        self.get_logger().info(
            "safety_node: NON-RATED protective layer, does not replace a safety-rated system"
        )

    # -- lifecycle ----------------------------------------------------------------
    def configure(self) -> None:
        config = self.params.load()
        if config.cell_frame:
            if not tf2_available():
                self.params.unload()
                raise ValueError(
                    f"cell_frame {config.cell_frame!r} needs tf2_ros, which is "
                    "not installed (leave cell_frame empty to use camera_to_floor)"
                )
            if self._frames is None:  # one TF listener for the node's life
                self._frames = CellFrames(
                    self, config.cell_frame, config.robot_frame, config.max_transform_age
                )
            self._frames.cell_frame, self._frames.robot_frame = (
                config.cell_frame,
                config.robot_frame,
            )
            self._locate = tf_locator(self._frames)

    def activate(self) -> None:
        self._policy = SafetyPolicy(self.params.config.policy_config())  # startup again
        # Serialized, so that an oversized message costs nothing before it is refused.
        self._input_subscriptions = [
            self.create_subscription(
                SkeletonArray,
                "skeletons",
                lambda raw: self._read(raw, SkeletonArray, "skeletons", self._on_skeletons),
                qos.STREAM_QUEUE,
                raw=True,
            ),
            self.create_subscription(
                ActionArray,
                "action",
                lambda raw: self._read(raw, ActionArray, "action", self._on_actions),
                qos.STREAM_QUEUE,
                raw=True,
            ),
            self.create_subscription(PointStamped, "robot_position", self._on_robot, qos.STATE),
        ]
        if self.params.config.use_coverage:
            self._input_subscriptions.append(
                self.create_subscription(
                    CameraCoverage, "coverage", self._on_coverage, qos.STREAM_QUEUE
                )
            )

    def deactivate(self) -> None:
        for subscription in self._input_subscriptions:
            self.destroy_subscription(subscription)
        self._input_subscriptions = []
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

    # -- inputs --------------------------------------------------------------
    def _read(self, raw: bytes, msg_type, what: str, handle) -> None:
        """``handle`` the message; too large: counted, a stop; unreadable: counted, dropped."""
        try:
            with self._stages.stage("read"):
                msg = read_bounded(raw, msg_type, self.params.config.max_people)
        except OverflowError as exc:
            self.drops.drop("oversized_messages", f"refused a {what} message: {exc}", error=True)
            self._fault(f"{what} message refused: {exc}")
            return
        except Exception as exc:  # a corrupt message must not kill the node
            self.drops.drop("dropped_messages", f"dropped a malformed {what} message: {exc!r}")
            return
        handle(msg)

    def _fault(self, reason: str) -> None:
        """An input that cannot be trusted: fail safe now, say why."""
        now = time.monotonic()
        self._policy.on_input_fault(now, reason)
        self._decide(now)

    def _on_skeletons(self, msg: SkeletonArray) -> None:
        now = time.monotonic()
        problem = malformed_skeleton(msg)
        if problem is not None:  # somebody is there, but the message cannot be trusted
            self.drops.drop(
                "malformed_messages", f"refused a malformed SkeletonArray: {problem}", error=True
            )
            self._fault(f"skeletons message refused: {problem}")
            return
        try:
            with self._stages.stage("observe"):
                people = observe_people(msg, self._locate)
        except FrameError as exc:  # an unknown distance: fail safe, say why
            self._fault(f"skeletons in frame: {exc}")
            return
        except Exception as exc:  # one bad message must not kill the node
            self.drops.drop("dropped_messages", f"dropped a malformed SkeletonArray: {exc!r}")
            return
        self._meters["skeletons"].tick(now)
        self._input_stamps["skeletons"] = msg.header.stamp
        self._policy.on_skeletons(
            now, people, stamp_to_ns(msg.header.stamp) * 1e-9, self._clock_s()
        )
        self._reporter.on_skeletons(msg)
        self._decide(now)
        self._stages.frame_done()  # CPU per skeleton message, the ticks' share included
        self._timer.reset()  # the next periodic decision is a full period after this one

    def _on_actions(self, msg: ActionArray) -> None:
        now = time.monotonic()
        actions = {
            int(a.track_id): (a.label, float(a.confidence))
            for a in msg.actions
            if math.isfinite(a.confidence)
        }
        self._meters["action"].tick(now)
        self._input_stamps["action"] = msg.header.stamp
        self._policy.on_actions(now, actions, stamp_to_ns(msg.header.stamp) * 1e-9, self._clock_s())

    def _on_coverage(self, msg: CameraCoverage) -> None:
        now = time.monotonic()
        try:
            self._policy.on_coverage(
                now,
                list(msg.cameras),
                [bool(v) for v in msg.live],
                stamp_to_ns(msg.header.stamp) * 1e-9,
                self._clock_s(),
            )
        except ValueError as exc:
            self.drops.drop("dropped_messages", f"dropped coverage: {exc}")
            return
        self._meters["coverage"].tick(now)

    def _on_robot(self, msg: PointStamped) -> None:
        now = time.monotonic()
        try:
            self._policy.on_robot_position(now, (msg.point.x, msg.point.y))
        except ValueError as exc:
            self.drops.drop("dropped_messages", f"dropped robot_position: {exc}")
            return
        self._meters["robot_position"].tick(now)

    def _check_frames(self) -> None:
        """Self-check: the configured TF frames exist (named in /diagnostics until they do)."""
        config = self.params.config
        missing = self._frames.missing() if self._frames and config and config.cell_frame else []
        self._reporter.self_check.set("tf_frames", "; ".join(missing) or None)

    def _clock_s(self) -> float:
        """The node's clock (sim time in a replay) in s: what input stamps are judged against."""
        return self.get_clock().now().nanoseconds * 1e-9

    # -- output ---------------------------------------------------------------
    def _on_timer(self) -> None:
        self._decide(time.monotonic())

    def _decision(self, now: float, clock_now) -> Decision:
        if self.lifecycle_state != "active" or self._policy is None:
            return Decision(
                0.0,
                SafetyState.STARTUP
                if self.lifecycle_state != "finalized"
                else SafetyState.PROTECTIVE_STOP,
                f"lifecycle state {self.lifecycle_state}: held at 0 until active",
                inputs=()
                if self._policy is None
                else tuple(self._policy.input_health(now, clock_now.nanoseconds * 1e-9)),
            )
        if self._frames is not None and self.params.config.robot_frame:
            try:  # the robot's position from TF, like any other input
                self._policy.on_robot_position(now, self._frames.robot_xy())
            except (FrameError, ValueError) as exc:  # unknown or non-finite: stop
                self._policy.on_input_fault(now, f"robot: {exc}")
        return self._policy.step(now, clock_now.nanoseconds * 1e-9)

    def _decide(self, now: float) -> None:
        clock_now = self.get_clock().now()
        with self._stages.stage("decide"):
            decision = self._decision(now, clock_now)
            self._command.publish(decision.scale)
        try:  # the command is out; explaining it must never end the node
            with self._stages.stage("report"):
                self._reporter.report(
                    now,
                    clock_now,
                    decision,
                    self.params.config,
                    self._policy,
                    self._meters,
                    self._input_stamps,
                    self.drops.counts,
                )
        except Exception as exc:
            self.drops.drop(
                "report_errors",
                f"status/markers/diagnostics failed, the speed command was sent: {exc!r}",
                error=True,
            )


def main(args=None) -> None:
    sys.exit(run_node(SafetyNode, args))


if __name__ == "__main__":
    main()
