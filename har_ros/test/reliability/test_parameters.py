"""Every node refuses an invalid parameter value at run time with the reason.

Remote set_parameters over the graph, as `ros2 param set` would do it; the
old value must stay and the node must go on serving.
"""

import pytest
from rcl_interfaces.srv import GetParameters, SetParameters
from rclpy.parameter import Parameter, parameter_value_to_python

from har_ros.ros.graph import call_service, spin_until

pytestmark = pytest.mark.graph

# node module, parameter, invalid value, words of the reason, a valid value
CASES = [
    ("pose_node", "input_width", 100, "multiple of 32", 320),
    ("action_node", "smoothing_alpha", 0.0, "(0, 1]", 0.8),
    ("safety_node", "ramp_up_rate", 10.0, "ramp_down_rate", 0.3),
    ("video_publisher", "rate", -5.0, "out of range", 10.0),
    # found and fixed: an infinite timeout kept the speed at 1.0 with no input at all
    ("safety_node", "skeleton_timeout", float("inf"), "out of range", 0.6),
    ("speed_guard", "timeout", float("inf"), "out of range", 0.3),
    # found and fixed: finite but huge values were accepted, then OverflowError ended the
    # node (nanoseconds of a duration), or a 0 s timer period spun a core
    ("person_fusion", "camera_timeout", 1.0e300, "out of range", 1.0),
    ("pose_node", "depth_tolerance", 1.0e300, "out of range", 0.1),
    ("safety_node", "rate_hz", 1.0e300, "out of range", 60.0),
]


@pytest.mark.parametrize(
    ("node", "name", "bad", "reason", "good"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_invalid_value_is_refused_with_reason_and_old_value_kept(
    ros_node, processes, topic_prefix, node, name, bad, reason, good
):
    extra = ["-p", "loop:=true"] if node == "video_publisher" else []  # keep it running
    proc = processes.start(
        "--ros-args", "-r", f"__ns:={topic_prefix}", *extra, module=f"har_ros.nodes.{node}"
    )
    prefix = f"{topic_prefix}/{node}"
    setter = ros_node.create_client(SetParameters, f"{prefix}/set_parameters")
    getter = ros_node.create_client(GetParameters, f"{prefix}/get_parameters")
    spin_until(
        ros_node,
        lambda: setter.service_is_ready() and getter.service_is_ready(),
        timeout=30,
        what=f"{node}'s parameter services",
    )

    def value():
        reply = call_service(ros_node, getter, GetParameters.Request(names=[name]))
        return parameter_value_to_python(reply.values[0])

    def set_to(v):
        return call_service(
            ros_node,
            setter,
            SetParameters.Request(parameters=[Parameter(name, value=v).to_parameter_msg()]),
        ).results[0]

    old = value()
    refused = set_to(bad)
    assert not refused.successful and reason in refused.reason
    assert value() == old
    assert set_to(good).successful and value() == good  # still serving, still settable
    assert proc.poll() is None, processes.output(proc)
