"""speed_guard: speed_scaling -> the robot controller's speed scaling input, 0 when silent.

Sits between the safety node and ros2_controllers' joint_trajectory_controller
(``~/speed_scaling_input``, control_msgs/SpeedScalingFactor, transient local).
It forwards the newest command at ``rate_hz`` while it is younger than
``timeout`` and commands 0 at once when the command goes stale, arrives out of
[0, 1], misses the speed topic's QoS deadline or its publisher loses
liveliness (the safety node died). So the controller, which keeps the last
factor it got, never keeps moving on a dead safety node's last word. Where
control_msgs is not installed it publishes std_msgs/Float64 instead, saying so.
"""

from __future__ import annotations

import importlib.util
import sys
import time

from rclpy.event_handler import SubscriptionEventCallbacks
from rclpy.node import Node
from std_msgs.msg import Float64

from ..ros import qos
from ..ros.parameters import ParameterBinding
from ..ros.spin import run_node, steady_timer
from ..safety.guard import SpeedGuard, SpeedGuardConfig


def controller_message_type():
    """control_msgs/SpeedScalingFactor when installed, else std_msgs/Float64."""
    if importlib.util.find_spec("control_msgs") is not None:
        from control_msgs.msg import SpeedScalingFactor

        return SpeedScalingFactor, lambda factor: SpeedScalingFactor(factor=factor)
    return Float64, lambda factor: Float64(data=factor)


class SpeedGuardNode(Node):
    def __init__(self, **kwargs):
        super().__init__("speed_guard", **kwargs)
        self._timer = None
        self.params = ParameterBinding(self, SpeedGuardConfig, self._apply_config)
        config = self.params.config
        self._guard = SpeedGuard(config.timeout)
        msg_type, self._to_msg = controller_message_type()
        if msg_type is Float64:
            self.get_logger().warning(
                "control_msgs is not installed: publishing "
                f"std_msgs/Float64 on {config.target_topic}"
            )
        self._pub = self.create_publisher(msg_type, config.target_topic, qos.CONTROLLER_SPEED_INPUT)
        events = SubscriptionEventCallbacks(
            deadline=self._on_deadline, liveliness=self._on_liveliness
        )
        self.create_subscription(
            Float64, "speed_scaling", self._on_command, qos.SPEED_COMMAND, event_callbacks=events
        )
        self._last_reason = ""
        self._publish()

    def _apply_config(self, config: SpeedGuardConfig) -> None:
        if getattr(self, "_guard", None) is not None:
            self._guard.timeout = config.timeout
        if self._timer is not None:
            self.destroy_timer(self._timer)
        self._timer = steady_timer(self, 1.0 / config.rate_hz, self._publish)

    def _on_command(self, msg: Float64) -> None:
        self._guard.on_command(time.monotonic(), msg.data)

    def _on_deadline(self, info) -> None:
        self._guard.on_lost(
            f"speed_scaling missed its {qos.SPEED_DEADLINE_S:.2f} s deadline "
            f"({info.total_count} times)"
        )
        self._publish()

    def _on_liveliness(self, info) -> None:
        if info.alive_count == 0:
            self._guard.on_lost("speed_scaling publisher lost (liveliness)")
            self._publish()

    def _publish(self) -> None:
        out = self._guard.output(time.monotonic())
        self._pub.publish(self._to_msg(out.factor))
        if out.reason != self._last_reason:
            self._last_reason = out.reason
            text = f"controller speed factor {out.factor:.2f}: {out.reason}"
            if out.fresh:  # rclpy wants one severity per call site
                self.get_logger().info(text)
            else:
                self.get_logger().warning(text)


def main(args=None) -> None:
    sys.exit(run_node(SpeedGuardNode, args))


if __name__ == "__main__":
    main()
