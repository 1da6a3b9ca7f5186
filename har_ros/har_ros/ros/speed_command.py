"""The safety node's command: speed_scaling, and its control_msgs twin where that exists."""

from __future__ import annotations

import importlib.util

from std_msgs.msg import Float64

from . import qos


class SpeedCommand:
    """std_msgs/Float64 on speed_scaling; control_msgs/SpeedScalingFactor on speed_scaling_factor.

    The twin is for ros2_controllers' scaled trajectory controllers; without
    control_msgs installed it is left out, and the node says so once.
    """

    def __init__(self, node, with_factor: bool):
        self._scale_pub = node.create_publisher(Float64, "speed_scaling", qos.SPEED_COMMAND)
        self._factor_pub = self._factor_msg = None
        if with_factor and importlib.util.find_spec("control_msgs") is None:
            node.get_logger().info("control_msgs not installed: no speed_scaling_factor topic")
        elif with_factor:
            from control_msgs.msg import SpeedScalingFactor

            self._factor_msg = SpeedScalingFactor
            self._factor_pub = node.create_publisher(
                SpeedScalingFactor, "speed_scaling_factor", qos.SPEED_COMMAND
            )

    def publish(self, scale: float) -> None:
        self._scale_pub.publish(Float64(data=float(scale)))
        if self._factor_pub is not None:
            self._factor_pub.publish(self._factor_msg(factor=float(scale)))
