"""action_node: per-person windows of `skeletons` -> recognised actions on `/action`.

All people due in a step share one forward pass. Setting `model_path` at run
time loads and checks the new checkpoint first and swaps it in atomically;
an incompatible one is refused with the reason and the old model keeps
running. Bad skeletons are counted (see /diagnostics), never fatal; so is a
message the recognizer fails on (logged, and every window restarts).
"""

from __future__ import annotations

import sys
import time

import torch
from diagnostic_msgs.msg import DiagnosticArray
from std_msgs.msg import Header

from har_msgs.msg import Action, ActionArray, SkeletonArray

from ..action.checkpoint import CheckpointError
from ..action.node_config import ActionNodeConfig
from ..action.recognizer import ActionRecognizer
from ..common.ewma import Ewma
from ..common.rate_meter import RateMeter
from ..common.stage_cpu import StageCpu
from ..ros import qos
from ..ros.diagnostics import OK, WARN, diagnostic_array
from ..ros.drops import Drops
from ..ros.hri import BodyPublishers, body_id, hri_available
from ..ros.lifecycle import ManagedNode
from ..ros.parameters import ParameterBinding
from ..ros.skeleton_msgs import msg_to_frame
from ..ros.spin import run_node
from ..ros.stamps import ns_to_stamp


class ActionNode(ManagedNode):
    """Lifecycle: configure loads the checkpoint, activate subscribes the skeletons."""

    def __init__(self, **kwargs):
        super().__init__("action_node", **kwargs)
        self._recognizer: ActionRecognizer | None = None
        self._next: ActionRecognizer | None = None
        self._input_subscription = None
        self._body_actions: BodyPublishers | None = None  # humans/bodies/<id>/action
        self.params = ParameterBinding(
            self, ActionNodeConfig, self._apply_config, self._prepare_recognizer, load=False
        )
        self._rate = RateMeter()
        self._inference_ms = Ewma()
        self._stages = StageCpu()
        self.drops = Drops(self.get_logger(), "malformed", "oversized", "step_errors")
        self._pub = self.create_publisher(ActionArray, "action", qos.STREAM)
        self._diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", qos.DEFAULT)
        self.create_timer(1.0, self._publish_diagnostics)

    # -- lifecycle ----------------------------------------------------------------
    def configure(self) -> None:
        self.params.load()

    def activate(self) -> None:
        # A deep queue absorbs bursts (a step with many people takes longer than a frame).
        self._input_subscription = self.create_subscription(
            SkeletonArray, "skeletons", self._on_skeletons, qos.STREAM_QUEUE
        )
        config = self.params.config
        if config.hri and hri_available() and self._body_actions is None:
            self._body_actions = BodyPublishers(
                self, {"action": ActionArray}, config.hri_body_expiry
            )

    def deactivate(self) -> None:
        self.destroy_subscription(self._input_subscription)
        self._input_subscription = None

    def cleanup(self) -> None:
        self._recognizer = None
        self.params.unload()

    def _prepare_recognizer(self, config: ActionNodeConfig) -> None:
        """Load the model a new config needs; a bad checkpoint refuses the change."""
        current = self._recognizer
        self._next = None
        if (
            current is not None
            and self.params.config is not None
            and config.model_path == self.params.config.model_path
            and config.settings() == current.settings
        ):
            return
        try:
            self._next = ActionRecognizer.from_path(config.model_path, config.settings())
        except CheckpointError as exc:
            if current is None:  # at start there is no old model to keep
                raise ValueError(f"model refused: {exc}") from exc
            raise ValueError(f"model refused, the old one keeps running: {exc}") from exc

    def _apply_config(self, config: ActionNodeConfig) -> None:
        torch.set_num_threads(config.torch_threads)
        if self._next is None:
            return
        recognizer, self._next = self._next, None
        self._recognizer = recognizer  # one assignment: the swap is atomic for callbacks
        checkpoint = recognizer.checkpoint
        self.get_logger().info(
            f"model {checkpoint.model_name} ({checkpoint.layout.name}, window "
            f"{checkpoint.normalisation.window}) classes {checkpoint.class_names}"
        )

    def _on_skeletons(self, msg: SkeletonArray) -> None:
        self._rate.tick(time.monotonic())
        recognizer = self._recognizer
        limit = self.params.config.max_people
        if len(msg.skeletons) > limit:  # bounded work per message; the safety node then
            # sees no fresh action and applies the conservative rule
            self.drops.drop(
                "oversized",
                f"dropped a SkeletonArray of {len(msg.skeletons)} people (max_people {limit})",
            )
            return
        stages = self._stages
        try:
            with stages.stage("convert"):
                frame = msg_to_frame(msg)
        except Exception as exc:  # one bad message must not kill the node
            self.drops.drop("malformed", f"dropped a malformed SkeletonArray: {exc!r}")
            return
        started = time.perf_counter()
        try:
            with stages.stage("action_step"):
                results = recognizer.process(frame)
        except Exception as exc:  # a hole no check foresaw: log it, start afresh, go on
            recognizer.reset()
            self.drops.drop(
                "step_errors",
                f"dropped a SkeletonArray that failed the recognizer "
                f"(every person's window restarts): {exc!r}",
                error=True,
            )
            return
        stages.frame_done()
        rejected = recognizer.buffers.take_rejected_layout()
        if rejected is not None:
            self.get_logger().warning(
                f"dropped skeletons in layout {rejected!r}: no conversion to the model's "
                f"{recognizer.checkpoint.layout.name!r} (counted as dropped_layout_* in "
                "/diagnostics)",
                throttle_duration_sec=5.0,
            )
        if not results:
            return
        self._inference_ms.add((time.perf_counter() - started) * 1000.0)
        actions = [
            Action(
                track_id=r.track_id,
                label=r.label,
                label_index=r.label_index,
                confidence=r.confidence,
                known_score=r.known_score,
                scores=r.scores.tolist(),
                window_start=ns_to_stamp(r.start_ns),
                window_end=ns_to_stamp(r.end_ns),
            )
            for r in results
        ]
        with stages.stage("publish"):
            self._pub.publish(
                ActionArray(header=msg.header, class_names=recognizer.class_names, actions=actions)
            )
            if self._body_actions is not None:
                self._publish_per_body(msg.header, recognizer.class_names, actions)

    def _publish_per_body(
        self, header: Header, class_names: list[str], actions: list[Action]
    ) -> None:
        """Each body's action on its REP-155 topic, one ActionArray of one action."""
        tracked = {body_id(a.track_id): a for a in actions if a.track_id >= 0}
        publishers = self._body_actions.update(list(tracked), time.monotonic())
        for body, action in tracked.items():
            publishers[body]["action"].publish(
                ActionArray(header=header, class_names=class_names, actions=[action])
            )

    def _publish_diagnostics(self) -> None:
        now = time.monotonic()
        recognizer = self._recognizer
        header = Header(stamp=self.get_clock().now().to_msg())
        name = f"{self.get_fully_qualified_name()}: action"
        if recognizer is None:  # not configured: nothing to report but the state
            self._diag_pub.publish(
                diagnostic_array(
                    header, name, "har_ros", WARN, f"lifecycle state {self.lifecycle_state}", {}
                )
            )
            return
        drops = dict(recognizer.buffers.drops)
        values = {
            "received": self._rate.count,
            "input_rate_hz": self._rate.rate(now),
            "people_tracked": len(recognizer.buffers.people),
            "inference_ms": self._inference_ms.value,
            **self.drops.counts,
            **{f"dropped_{k}": v for k, v in drops.items()},
            **self._stages.diagnostic_values(),
        }
        stale = self._rate.age(now) > 1.0
        self._diag_pub.publish(
            diagnostic_array(
                header,
                name,
                "har_ros",
                WARN if stale else OK,
                "no skeletons" if stale else "ok",
                values,
            )
        )


def main(args=None) -> None:
    sys.exit(run_node(ActionNode, args))


if __name__ == "__main__":
    main()
