"""safety_node as its own process, driven over real DDS by scripted people."""

import importlib.util
import time

import numpy as np
import pytest
from rcl_interfaces.srv import SetParameters
from rclpy.parameter import Parameter
from std_msgs.msg import Float64

from har_msgs.msg import SafetyStatus, SkeletonArray
from har_ros.bench.cell import unsafe_decision
from har_ros.bench.safety import person_on_floor_msg
from har_ros.ros import qos
from har_ros.ros.graph import call_service, spin_until, wait_for_publishers, wait_for_subscribers
from har_ros.ros.stamps import ns_to_stamp, stamp_to_ns
from har_ros.safety.node_config import SHIPPED_RULES, SafetyNodeConfig
from har_ros.safety.rules import RuleSet
from har_ros.safety.ssm import protective_distance

pytestmark = pytest.mark.graph

RADIUS = 0.5
PARAMS = {
    "robot_zone_type": "circle",
    "robot_zone_points": "[0.0, 0.0]",
    "robot_zone_radius": str(RADIUS),
    "startup_healthy_time": "0.3",
    "skeleton_timeout": "0.5",
    "rate_hz": "50.0",
    "ramp_up_rate": "0.5",
    "ramp_down_rate": "4.0",
}
RAMP_UP = float(PARAMS["ramp_up_rate"])  # scale per second
CLOCK_READ_SLACK_S = 0.1  # steady vs ROS clock reads of one decision, on a loaded machine
TIMEOUT_S = float(PARAMS["skeleton_timeout"])


def start_safety_node(processes, ns, **overrides):
    args = ["--ros-args", "-r", f"__ns:={ns}"]
    for name, value in {**PARAMS, **overrides}.items():
        args += ["-p", f"{name}:={value}"]
    return processes.start(*args, module="har_ros.nodes.safety_node")


def record_status(ros_node, ns):
    statuses = []
    sub = ros_node.create_subscription(
        SafetyStatus, f"{ns}/safety/status", lambda m: statuses.append((time.monotonic(), m)), 1000
    )  # deep: a probe that spins late on a loaded machine still sees every decision
    return sub, statuses


def test_without_any_input_it_holds_zero_in_startup(ros_node, processes, topic_prefix):
    start_safety_node(processes, topic_prefix)
    scales = []
    scale_sub = ros_node.create_subscription(
        Float64, f"{topic_prefix}/speed_scaling", lambda m: scales.append(m.data), 50
    )
    sub, statuses = record_status(ros_node, topic_prefix)
    wait_for_publishers(ros_node, sub, timeout=20)
    wait_for_publishers(ros_node, scale_sub, timeout=20)
    spin_until(ros_node, lambda: len(statuses) >= 50, timeout=10, what="1 s of status")
    assert all(m.state == SafetyStatus.STATE_STARTUP and m.speed_scale == 0 for _, m in statuses)
    assert "no skeletons received yet" in statuses[-1][1].reason
    assert scales and set(scales) == {0.0}
    assert statuses[-1][1].inputs[0].name == "skeletons" and not statuses[-1][1].inputs[0].healthy
    assert all(
        stamp_to_ns(m.skeletons_stamp) == 0 == stamp_to_ns(m.actions_stamp) for _, m in statuses
    )


def test_walk_in_stops_in_time_walk_out_recovers_on_the_ramp(ros_node, processes, topic_prefix):
    start_safety_node(processes, topic_prefix)
    sub, statuses = record_status(ros_node, topic_prefix)
    arrays = []
    ros_node.create_subscription(
        SkeletonArray,
        f"{topic_prefix}/skeletons",
        lambda m: arrays.append(stamp_to_ns(m.header.stamp)),
        100,
    )
    walk = []  # the walker's x on each array: out to 1.2 m and back to 6 m
    ros_node.create_subscription(
        SkeletonArray,
        f"{topic_prefix}/skeletons",
        lambda m: walk.append(m.skeletons[0].position.x),
        100,
    )
    wait_for_publishers(ros_node, sub, timeout=20)
    processes.start(
        f"{topic_prefix}/skeletons", "6.0", "1.2", "1.0", "1.0", script="walk_person.py"
    )

    def walked_out_and_back_and_recovered():
        near = next((i for i, x in enumerate(walk) if x <= 1.2 + 1e-6), None)
        return (
            near is not None
            and any(x >= 6.0 - 1e-6 for x in walk[near:])
            and len(arrays) > 100
            and bool(statuses)
            and statuses[-1][1].speed_scale > 0.3
        )

    # However slow the machine: the walk is the walker's, the events are waited for.
    spin_until(
        ros_node,
        walked_out_and_back_and_recovered,
        timeout=90,
        what="the walker out and back, and the scale recovering above 0.3",
    )

    # No action ever arrives, so the conservative rule of the shipped rules applies.
    rule = RuleSet.from_yaml(SHIPPED_RULES).conservative
    ssm = SafetyNodeConfig().ssm_parameters()  # the node's defaults for the robot constants
    stop_distance = protective_distance(0.0, rule.human_speed, ssm, rule.extra_margin)
    running = [(t, m) for t, m in statuses if m.state != SafetyStatus.STATE_STARTUP]
    assert running, "never left startup"
    for _, m in running:
        if m.speed_scale == 0.0:
            continue
        # SSM invariant: at any commanded speed > 0 the robot still stops in time.
        needed = protective_distance(
            m.speed_scale * ssm.nominal_speed, rule.human_speed, ssm, rule.extra_margin
        )
        assert needed <= m.min_separation + 0.05, (m.speed_scale, m.min_separation, m.reason)
    inside = [m for _, m in running if m.min_separation < stop_distance]
    assert inside, "the person never came inside the protective distance"
    assert all(
        m.speed_scale == 0.0 and m.state == SafetyStatus.STATE_PROTECTIVE_STOP for m in inside
    )
    # Every decision names the skeletons it used: one new decision per array, in order.
    used = [stamp_to_ns(m.skeletons_stamp) for _, m in running]
    assert all(used) and used == sorted(used)
    sent = [s for s in arrays if used[0] <= s <= used[-1]]
    missed = set(sent) - set(used)
    assert len(sent) > 100 and len(missed) <= 0.02 * len(sent), (len(missed), len(sent))
    # Walking away: the scale comes back, never faster than the ramp-up limit. The node
    # times its ramp by its steady clock and stamps the status by its ROS clock, read a
    # processing step apart (longer on a loaded machine): over any stretch of the
    # recovery the rise stays within the ramp plus that reading's slack.
    last_stop = max(i for i, (_, m) in enumerate(running) if m.speed_scale == 0.0)
    recovery = running[last_stop:]
    assert recovery[-1][1].speed_scale > 0.3
    t = np.array([stamp_to_ns(m.header.stamp) * 1e-9 for _, m in recovery])
    ahead = np.array([m.speed_scale for _, m in recovery]) - RAMP_UP * t
    over = ahead - np.minimum.accumulate(ahead)  # the rise beyond the ramp since any earlier
    assert over.max() <= RAMP_UP * CLOCK_READ_SLACK_S, (over.max(), recovery[over.argmax()])


def test_killed_skeleton_source_stops_the_robot_on_stale_skeletons(
    ros_node, processes, topic_prefix
):
    """After the kill the robot stops, saying why, and never moved on stale skeletons.

    How soon the stop comes is the machine's figure (`har bench safety`: timeout + one
    period on a quiet machine); what holds on any machine is that no decision let the
    robot move on skeletons older than skeleton_timeout by the node's own clock.
    """
    start_safety_node(processes, topic_prefix)
    _, statuses = record_status(ros_node, topic_prefix)
    skel_sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", lambda m: None, 50
    )
    walker = processes.start(
        f"{topic_prefix}/skeletons", "8.0", "8.0", "1.0", script="walk_person.py"
    )
    wait_for_publishers(ros_node, skel_sub, timeout=20)
    spin_until(
        ros_node,
        lambda: any(m.speed_scale > 0.2 for _, m in statuses),
        timeout=30,
        what="the scale to rise",
    )
    walker.kill()
    walker.wait(timeout=10)
    killed = len(statuses)
    spin_until(
        ros_node,
        lambda: len(statuses) > killed and "skeletons stale" in statuses[-1][1].reason,
        timeout=30,
        what="the stop on stale skeletons",
    )
    stop = statuses[-1][1]
    assert stop.speed_scale == 0.0 and stop.state == SafetyStatus.STATE_PROTECTIVE_STOP
    assert stamp_to_ns(stop.header.stamp) - stamp_to_ns(stop.skeletons_stamp) > TIMEOUT_S * 1e9
    unsafe = [p for _, m in statuses if (p := unsafe_decision(m, TIMEOUT_S)) is not None]
    assert not unsafe, unsafe[:3]


def test_invalid_parameter_is_refused_with_reason_and_old_value_kept(
    ros_node, processes, topic_prefix
):
    start_safety_node(processes, topic_prefix)
    client = ros_node.create_client(SetParameters, f"{topic_prefix}/safety_node/set_parameters")
    spin_until(ros_node, client.service_is_ready, timeout=20, what="the parameter service")

    def set_param(name, value):
        return call_service(
            ros_node,
            client,
            SetParameters.Request(parameters=[Parameter(name, value=value).to_parameter_msg()]),
        ).results[0]

    refused = set_param("ramp_up_rate", 10.0)
    assert not refused.successful and "ramp_down_rate" in refused.reason
    refused = set_param("rules_file", "/nonexistent/rules.yaml")
    assert not refused.successful and "cannot read action rules" in refused.reason
    assert set_param("ramp_up_rate", 0.3).successful


def publish_for(ros_node, publisher, seconds, make_msg, rate=30.0):
    """Publish ``make_msg()`` at ``rate`` for ``seconds`` while spinning the probe."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        publisher.publish(make_msg())
        tick = time.monotonic() + 1.0 / rate
        spin_until(ros_node, lambda t=tick: time.monotonic() >= t, 1.0, "the next frame")


def test_input_age_is_judged_by_stamp(ros_node, processes, topic_prefix):
    """A backlog of old frames and frames from the future stop the robot, saying why."""
    start_safety_node(processes, topic_prefix, robot_zone_points="[20.0, 0.0]")
    sub, statuses = record_status(ros_node, topic_prefix)
    pub = ros_node.create_publisher(SkeletonArray, f"{topic_prefix}/skeletons", qos.STREAM)
    wait_for_publishers(ros_node, sub, timeout=20)
    wait_for_subscribers(ros_node, pub, timeout=20)

    def lagging(lag_s):
        return lambda: person_on_floor_msg(5.0, time.time_ns() - int(lag_s * 1e9))

    def last():
        return statuses[-1][1] if statuses else None

    publish_until(
        ros_node,
        pub,
        lagging(0.0),
        lambda: (
            last() is not None
            and last().state in (SafetyStatus.STATE_NORMAL, SafetyStatus.STATE_REDUCED)
        ),
        "the robot moving",
    )
    # a deep queue drains: fresh arrival, old
    publish_until(
        ros_node,
        pub,
        lagging(3.0),
        lambda: "stale by stamp: 3.0" in last().reason,
        "the old frames named",
    )
    assert last().state == SafetyStatus.STATE_PROTECTIVE_STOP
    skeletons = next(i for i in last().inputs if i.name == "skeletons")
    # the status shows the input the stop names as unhealthy, by its stamp, not its arrival
    assert not skeletons.healthy and skeletons.required and skeletons.why in last().reason
    assert skeletons.age < 1.0 and skeletons.stamp_age > 2.5
    publish_until(
        ros_node,
        pub,
        lagging(-1.0),
        lambda: "in the future" in last().reason,
        "the future frames named",
    )
    assert last().state == SafetyStatus.STATE_PROTECTIVE_STOP
    publish_until(
        ros_node,
        pub,
        lagging(0.2),  # late, but within the timeout
        lambda: "over the latency budget" in last().reason,
        "the late frames named",
    )


def publish_until(ros_node, publisher, make_msg, condition, what, timeout=20.0, rate=30.0):
    """Publish ``make_msg()`` at ``rate`` until ``condition()``; the seconds it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        publish_for(ros_node, publisher, 1.0 / rate, make_msg, rate)
    return time.monotonic() - started


def test_a_camera_computer_clock_ahead_or_behind_is_named(ros_node, processes, topic_prefix):
    """Stamps 0.3 s behind: measured and named; 0.3 s ahead: named and a stop."""
    from diagnostic_msgs.msg import DiagnosticArray

    start_safety_node(processes, topic_prefix, robot_zone_points="[20.0, 0.0]")
    sub, statuses = record_status(ros_node, topic_prefix)
    offsets_seen = []

    def on_diagnostics(msg):
        for status in msg.status:
            values = {v.key: v.value for v in status.values}
            if "skeletons_clock_offset_s" in values:
                offsets_seen.append(float(values["skeletons_clock_offset_s"]))

    ros_node.create_subscription(DiagnosticArray, "/diagnostics", on_diagnostics, 50)
    pub = ros_node.create_publisher(SkeletonArray, f"{topic_prefix}/skeletons", qos.STREAM)
    wait_for_publishers(ros_node, sub, timeout=20)
    wait_for_subscribers(ros_node, pub, timeout=20)

    def lagging(lag_s):
        return lambda: person_on_floor_msg(5.0, time.time_ns() - int(lag_s * 1e9))

    def last():
        return statuses[-1][1] if statuses else None

    publish_until(
        ros_node,
        pub,
        lagging(0.0),
        lambda: (
            last() is not None
            and last().state in (SafetyStatus.STATE_NORMAL, SafetyStatus.STATE_REDUCED)
        ),
        "the robot moving",
    )
    assert 0.0 <= last().inputs[0].clock_offset < 0.2  # loopback: the least delay only
    publish_until(
        ros_node,
        pub,
        lagging(0.3),
        lambda: "clock offset" in last().reason,
        "the lagging clock named",
    )
    assert "skeletons +0.3" in last().reason and "chrony/PTP" in last().reason
    assert last().state in (SafetyStatus.STATE_NORMAL, SafetyStatus.STATE_REDUCED)
    assert 0.3 <= last().inputs[0].clock_offset < 0.5
    publish_until(
        ros_node,
        pub,
        lagging(0.3),
        lambda: offsets_seen and offsets_seen[-1] >= 0.3,
        "the offset in /diagnostics",
    )
    publish_until(
        ros_node,
        pub,
        lagging(-0.3),
        lambda: "in the future" in last().reason,
        "the clock ahead named",
    )
    assert last().state == SafetyStatus.STATE_PROTECTIVE_STOP
    assert -0.3 <= last().inputs[0].clock_offset < -0.1


def test_sim_time_clock_jumping_back_stops(ros_node, processes, topic_prefix):
    from rosgraph_msgs.msg import Clock

    start_safety_node(processes, topic_prefix, robot_zone_points="[20.0, 0.0]", use_sim_time="true")
    sub, statuses = record_status(ros_node, topic_prefix)
    clock_pub = ros_node.create_publisher(Clock, "/clock", 10)
    pub = ros_node.create_publisher(SkeletonArray, f"{topic_prefix}/skeletons", qos.STREAM)
    wait_for_subscribers(ros_node, pub, timeout=20)
    wait_for_subscribers(ros_node, clock_pub, timeout=20)
    sim = {"ns": 1_000_000_000_000}

    def tick():
        sim["ns"] += 33_333_333
        clock_pub.publish(Clock(clock=ns_to_stamp(sim["ns"])))
        return person_on_floor_msg(5.0, sim["ns"])

    publish_for(ros_node, pub, 2.0, tick)
    wait_for_publishers(ros_node, sub, timeout=5)
    assert statuses and statuses[-1][1].speed_scale > 0.0
    # stamped by the sim clock (1,000 s after its zero here), not by the wall clock
    assert 1_000_000_000_000 <= stamp_to_ns(statuses[-1][1].header.stamp) <= sim["ns"]
    sim["ns"] -= 30_000_000_000  # the bag loops
    clock_pub.publish(Clock(clock=ns_to_stamp(sim["ns"])))
    spin_until(
        ros_node,
        lambda: "clock jumped back" in statuses[-1][1].reason,
        5.0,
        "the clock jump in safety/status",
    )
    assert statuses[-1][1].speed_scale == 0.0


def test_a_high_rate_flood_does_not_starve_the_output(ros_node, processes, topic_prefix):
    """Small arrays as fast as a Python publisher can send them, on both inputs.

    The node decides on the flood and its speed output goes on. How regular the output
    stays is the machine's figure (`har bench safety`: the 0.1 s deadline on a quiet
    machine); a gap beyond it is the deadline event the consumer (speed_guard) stops on.
    """
    start_safety_node(processes, topic_prefix, robot_zone_points="[20.0, 0.0]")
    arrivals = []
    speed_sub = ros_node.create_subscription(
        Float64,
        f"{topic_prefix}/speed_scaling",
        lambda m: arrivals.append(time.monotonic()),
        qos.SPEED_COMMAND,
    )
    _, statuses = record_status(ros_node, topic_prefix)
    wait_for_publishers(ros_node, speed_sub, timeout=20)
    processes.start(topic_prefix, "3", "1000", script="flood.py")
    # the flood's people have no position: decided on, they hold the robot at the cap
    spin_until(
        ros_node,
        lambda: statuses and "has no position" in statuses[-1][1].reason,
        30.0,
        "a decision on the flood",
    )
    flooded = len(arrivals)
    decided = {stamp_to_ns(m.skeletons_stamp) for _, m in statuses}
    spin_until(
        ros_node,
        lambda: len(arrivals) >= flooded + 100,
        60.0,
        "100 more speed commands during the flood",
    )
    assert {stamp_to_ns(m.skeletons_stamp) for _, m in statuses} - decided, (
        "the node stopped deciding on new skeletons"
    )


def test_a_flood_cannot_starve_the_output(ros_node, processes, topic_prefix):
    """5,000-person arrays at 30 Hz on both inputs: the output goes on, a stop, the reason."""
    start_safety_node(processes, topic_prefix, robot_zone_points="[20.0, 0.0]")
    arrivals = []
    speed_sub = ros_node.create_subscription(
        Float64,
        f"{topic_prefix}/speed_scaling",
        lambda m: arrivals.append((time.monotonic(), m.data)),
        qos.SPEED_COMMAND,
    )
    _, statuses = record_status(ros_node, topic_prefix)
    wait_for_publishers(ros_node, speed_sub, timeout=20)
    processes.start(f"{topic_prefix}/skeletons", "5.0", "5.0", "1.0", script="walk_person.py")
    spin_until(
        ros_node,
        lambda: statuses and statuses[-1][1].speed_scale > 0.0,
        30.0,
        "a running robot before the flood",
    )
    processes.start(topic_prefix, "5000", "30", script="flood.py")
    spin_until(
        ros_node,
        lambda: statuses and "refused" in statuses[-1][1].reason,
        30.0,
        "the flood to be refused",
    )
    start, first = time.monotonic(), len(arrivals)
    # 2 s of output at the node's 50 Hz on a quiet machine; waited for, however long it takes
    spin_until(
        ros_node, lambda: len(arrivals) >= first + 100, 60.0, "100 speed commands during the flood"
    )
    during = [v for _, v in arrivals[first:]]
    assert set(during) == {0.0}
    flood_statuses = [m for t, m in statuses if t >= start]
    assert all(m.state == SafetyStatus.STATE_PROTECTIVE_STOP for m in flood_statuses)
    assert any("more than 50 people" in m.reason for m in flood_statuses)


@pytest.mark.skipif(
    importlib.util.find_spec("control_msgs") is None,
    reason="control_msgs is not built here (make setup builds it from "
    "../shared/ros2_extras when that folder exists)",
)
def test_speed_scaling_factor_twin(ros_node, processes, topic_prefix):
    from control_msgs.msg import SpeedScalingFactor

    start_safety_node(processes, topic_prefix)
    factors, scales = [], []
    f_sub = ros_node.create_subscription(
        SpeedScalingFactor,
        f"{topic_prefix}/speed_scaling_factor",
        lambda m: factors.append(m.factor),
        qos.SPEED_COMMAND,
    )
    ros_node.create_subscription(
        Float64, f"{topic_prefix}/speed_scaling", lambda m: scales.append(m.data), qos.SPEED_COMMAND
    )
    wait_for_publishers(ros_node, f_sub, timeout=20)
    spin_until(ros_node, lambda: len(factors) >= 20, 10.0, "speed_scaling_factor")
    assert set(factors) == {0.0} and set(scales) == {0.0}  # startup, no input


def test_malformed_or_misframed_skeletons_stop_the_robot_and_never_end_the_node(
    ros_node, processes, topic_prefix
):
    """Malformed or misframed skeletons stop the robot; the node lives on and recovers.

    Found and fixed: a TRIANGULATED coco17 skeleton with 5 keypoints ended the
    node (its RViz markers indexed 17 joints); a position in another frame was
    taken as it was.
    """
    proc = start_safety_node(processes, topic_prefix, robot_zone_points="[20.0, 0.0]")
    _, statuses = record_status(ros_node, topic_prefix)
    pub = ros_node.create_publisher(SkeletonArray, f"{topic_prefix}/skeletons", qos.STREAM)
    wait_for_subscribers(ros_node, pub, timeout=20)

    def publish_until(make, done, timeout, what):
        due = [0.0]

        def step():
            if time.monotonic() >= due[0]:
                pub.publish(make())
                due[0] = time.monotonic() + 1 / 30
            return done()

        spin_until(ros_node, step, timeout, what)

    def short_skeleton():
        msg = person_on_floor_msg(5.0)
        person = msg.skeletons[0]
        person.keypoints = person.keypoints[:5]
        person.position_source = person.POSITION_TRIANGULATED
        return msg

    def elsewhere():
        msg = person_on_floor_msg(5.0)
        msg.skeletons[0].position_frame_id = "other_floor"
        return msg

    def last(predicate):
        return lambda: bool(statuses) and predicate(statuses[-1][1])

    good = lambda: person_on_floor_msg(5.0)  # noqa: E731
    publish_until(good, last(lambda m: m.speed_scale > 0.0), 30.0, "a running robot")
    publish_until(
        short_skeleton,
        last(lambda m: "refused" in m.reason),
        10.0,
        "the malformed skeleton to be refused",
    )
    assert statuses[-1][1].state == SafetyStatus.STATE_PROTECTIVE_STOP
    assert "layout 'coco17' has 17 keypoints, the skeleton 5" in statuses[-1][1].reason
    assert proc.poll() is None, processes.output(proc)
    publish_until(
        elsewhere,
        last(lambda m: "other_floor" in m.reason),
        10.0,
        "the position in another frame to be refused",
    )
    assert statuses[-1][1].state == SafetyStatus.STATE_PROTECTIVE_STOP
    assert "'floor'" in statuses[-1][1].reason
    publish_until(
        good, last(lambda m: m.speed_scale > 0.0), 30.0, "the robot to run again on good skeletons"
    )
    assert proc.poll() is None
