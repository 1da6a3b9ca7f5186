"""ParameterBinding: limits become ROS ranges, and no check or change ends the node."""

from dataclasses import dataclass

import pytest
from rclpy.parameter import Parameter

from har_ros.common.config import param, require
from har_ros.ros.parameters import ParameterBinding


@dataclass(frozen=True)
class Config:
    timeout: float = param(0.5, "s", limits=(0.0, 2.0))
    count: int = param(3, "n", limits=(1, 10))

    def validate(self) -> None:
        require(self.timeout > 0, "timeout must be > 0 s")
        if self.timeout == 1.5:
            raise OverflowError("a check that raises something unexpected")


def test_limits_are_the_descriptors_ranges_and_ros_enforces_them(ros_node):
    binding = ParameterBinding(ros_node, Config, lambda config: None)
    timeout, count = ros_node.describe_parameters(["timeout", "count"])
    assert (
        timeout.floating_point_range[0].from_value,
        timeout.floating_point_range[0].to_value,
    ) == (0.0, 2.0)
    assert (count.integer_range[0].from_value, count.integer_range[0].to_value) == (1, 10)
    refused = ros_node.set_parameters([Parameter("timeout", value=1.0e300)])[0]
    assert not refused.successful and "out of range" in refused.reason
    assert not ros_node.set_parameters([Parameter("count", value=11)])[0].successful
    assert binding.config.timeout == 0.5 and binding.config.count == 3


def test_an_unexpected_exception_in_a_check_refuses_the_change(ros_node):
    binding = ParameterBinding(ros_node, Config, lambda config: None)
    refused = ros_node.set_parameters([Parameter("timeout", value=1.5)])[0]
    assert not refused.successful and "unexpected" in refused.reason
    assert binding.config.timeout == 0.5
    assert ros_node.set_parameters([Parameter("timeout", value=1.0)])[0].successful
    assert binding.config.timeout == 1.0


def test_a_change_whose_application_fails_keeps_the_previous_settings(ros_node):
    applied = []

    def apply(config: Config) -> None:
        if config.count == 7:
            raise RuntimeError("the new settings could not be built")
        applied.append(config)

    binding = ParameterBinding(ros_node, Config, apply)
    ros_node.set_parameters([Parameter("count", value=7)])
    assert binding.config.count == 3 and applied[-1].count == 3, "the old settings re-applied"
    assert ros_node.set_parameters([Parameter("count", value=4)])[0].successful
    assert binding.config.count == 4


def test_limits_are_checked_without_ros():
    from har_ros.common.config import require_within_limits

    require_within_limits(Config(timeout=2.0, count=10))
    with pytest.raises(ValueError, match=r"timeout must be in \[0, 2\], got 1e\+300"):
        require_within_limits(Config(timeout=1.0e300))
