"""The safety policy: states, rules, fail-safe behaviour, ramps, hysteresis."""

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from har_ros.common.clock_offset import WINDOW_S
from har_ros.safety.node_config import SafetyNodeConfig
from har_ros.safety.policy import (
    PersonObservation,
    PolicyConfig,
    SafetyPolicy,
    SafetyState,
)
from har_ros.safety.rules import ActionRule, RuleSet
from har_ros.safety.ssm import SsmParameters, protective_distance
from har_ros.safety.zones import ImageZone, RobotZone

SSM = SsmParameters(
    reaction_time=0.2,
    braking_deceleration=2.0,
    intrusion_distance=0.1,
    human_uncertainty=0.05,
    robot_uncertainty=0.05,
    nominal_speed=1.0,
)
RULES = RuleSet(
    {
        "waiting": ActionRule("waiting", 0.5, 0.0, 1.0),
        "opening_door": ActionRule("opening_door", 2.0, 0.3, 0.6),
    },
    min_confidence=0.6,
)
PERIOD = 0.02


def make_config(**overrides) -> PolicyConfig:
    """The safety node's defaults, with this file's robot, rules and quicker timing."""
    base = dict(
        ssm=SSM,
        rules=RULES,
        robot_zone=RobotZone("point", (0.0, 0.0)),
        skeleton_timeout=0.5,
        action_timeout=1.0,
        startup_healthy_time=0.2,
        ramp_down_rate=5.0,
        ramp_up_rate=0.5,
        hysteresis=0.2,
    )
    base.update(overrides)
    return replace(SafetyNodeConfig().policy_config(), **base)


def started_policy(people=(), actions=None, **overrides) -> tuple[SafetyPolicy, float]:
    """A policy fed fresh inputs until it left startup; returns it and the time."""
    policy = SafetyPolicy(make_config(**overrides))
    t = 0.0
    while policy.state == SafetyState.STARTUP:
        policy.on_skeletons(t, list(people))
        policy.on_actions(t, actions or {})
        policy.step(t)
        t += PERIOD
        assert t < 5
    return policy, t


def run(policy, t, seconds, people, actions=None):
    decision = None
    for _ in range(round(seconds / PERIOD)):
        policy.on_skeletons(t, people)
        policy.on_actions(t, actions or {})
        decision = policy.step(t)
        t += PERIOD
    return decision, t


def test_startup_holds_zero_without_any_input():
    policy = SafetyPolicy(make_config())
    for i in range(100):
        decision = policy.step(i * PERIOD)
        assert decision.scale == 0.0 and decision.state == SafetyState.STARTUP
    assert "no skeletons received yet" in decision.reason


def test_startup_waits_until_inputs_were_healthy_for_a_while():
    policy = SafetyPolicy(make_config(startup_healthy_time=0.5))
    policy.on_skeletons(0.0, [])
    assert policy.step(0.0).state == SafetyState.STARTUP
    policy.on_skeletons(0.4, [])
    assert policy.step(0.4).state == SafetyState.STARTUP
    policy.on_skeletons(0.5, [])
    decision = policy.step(0.5)
    assert decision.state in (SafetyState.NORMAL, SafetyState.REDUCED)


def test_startup_can_require_actions():
    policy = SafetyPolicy(make_config(require_actions=True))
    for i in range(50):
        policy.on_skeletons(i * PERIOD, [])
        decision = policy.step(i * PERIOD)
    assert decision.state == SafetyState.STARTUP and "no action" in decision.reason


def test_nobody_in_view_ramps_up_to_full_speed():
    policy, t = started_policy()
    decision, t = run(policy, t, 1.0, [])
    assert decision.scale == pytest.approx(0.5, abs=0.02)  # ramp-up 0.5/s
    decision, t = run(policy, t, 1.5, [])
    assert decision.scale == 1.0 and decision.state == SafetyState.NORMAL
    assert decision.reason == "no person in view"


@pytest.mark.parametrize(
    "label, confidence, expected_cap",
    [
        ("waiting", 0.9, 1.0),  # calm: full speed far away
        ("opening_door", 0.9, 0.6),  # reaching: capped
        ("waiting", 0.3, 0.6),  # unsure: conservative rule (cap 0.6)
        ("unknown", 1.0, 0.6),
    ],
)
def test_action_rules_cap_the_speed_far_from_the_robot(label, confidence, expected_cap):
    far = [PersonObservation(1, floor_xy=(20.0, 0.0))]
    policy, t = started_policy(far, {1: (label, confidence)})
    decision, _ = run(policy, t, 4.0, far, {1: (label, confidence)})
    assert decision.scale == pytest.approx(expected_cap)
    assert decision.min_separation == pytest.approx(20.0)
    assert decision.nearest_track_id == 1


def test_person_inside_the_protective_distance_stops_at_once():
    far = [PersonObservation(1, floor_xy=(20.0, 0.0))]
    policy, t = started_policy(far, {1: ("waiting", 0.9)})
    run(policy, t, 4.0, far, {1: ("waiting", 0.9)})
    stop_distance = protective_distance(0.0, 0.5, SSM)
    near = [PersonObservation(1, floor_xy=(stop_distance - 0.05, 0.0))]
    policy.on_skeletons(t + 4.0, near)
    decision = policy.step(t + 4.0)
    assert decision.scale == 0.0 and decision.state == SafetyState.PROTECTIVE_STOP
    assert "person 1" in decision.reason


def test_the_most_restrictive_person_wins():
    people = [PersonObservation(1, floor_xy=(20.0, 0.0)), PersonObservation(2, floor_xy=(1.0, 0))]
    policy, t = started_policy(people, {1: ("waiting", 0.9), 2: ("opening_door", 0.9)})
    decision, _ = run(policy, t, 4.0, people, {1: ("waiting", 0.9), 2: ("opening_door", 0.9)})
    assert decision.nearest_track_id == 2
    assert decision.active_rules[0] == "opening_door@2"
    assert decision.scale < 0.6


def test_stale_skeletons_stop_within_timeout_plus_one_period():
    people = [PersonObservation(1, floor_xy=(20.0, 0.0))]
    policy, t = started_policy(people)
    run(policy, t, 1.0, people)
    last_input = t + 1.0 - PERIOD
    now = t + 1.0
    while True:
        decision = policy.step(now)
        if decision.scale == 0.0:
            break
        now += PERIOD
    assert now - last_input <= 0.5 + PERIOD + 1e-9
    assert decision.state == SafetyState.PROTECTIVE_STOP
    assert "skeletons stale" in decision.reason


def test_stale_actions_fall_back_to_the_conservative_rule_not_a_stop():
    people = [PersonObservation(1, floor_xy=(20.0, 0.0))]
    policy, t = started_policy(people, {1: ("waiting", 0.9)})
    for _ in range(300):  # skeletons keep coming, actions stop
        policy.on_skeletons(t, people)
        decision = policy.step(t)
        t += PERIOD
    assert decision.scale == pytest.approx(0.6)
    assert "actions stale" in decision.reason and decision.state == SafetyState.REDUCED


def test_hysteresis_keeps_the_stop_until_clearly_outside():
    policy, t = started_policy([PersonObservation(1, floor_xy=(20.0, 0.0))], {1: ("waiting", 1)})
    stop = protective_distance(0.0, 0.5, SSM)
    run(policy, t, 0.1, [PersonObservation(1, floor_xy=(stop - 0.01, 0.0))], {1: ("waiting", 1)})
    just_out = [PersonObservation(1, floor_xy=(stop + 0.1, 0.0))]  # < hysteresis 0.2
    decision, t = run(policy, t + 0.1, 0.5, just_out, {1: ("waiting", 1)})
    assert decision.scale == 0.0
    clearly_out = [PersonObservation(1, floor_xy=(stop + 0.5, 0.0))]
    decision, t = run(policy, t, 0.5, clearly_out, {1: ("waiting", 1)})
    assert decision.scale > 0.0


def test_image_zones_apply_when_no_floor_position():
    zones = (
        ImageZone("stop", (0, 400, 640, 400, 640, 480, 0, 480), 0.0),
        ImageZone("slow", (0, 300, 640, 300, 640, 400, 0, 400), 0.3),
    )
    policy, t = started_policy(image_zones=zones)
    decision, t = run(policy, t, 3.0, [PersonObservation(1, image_uv=(320, 350))])
    assert decision.scale == pytest.approx(0.3)
    decision, t = run(policy, t, 0.1, [PersonObservation(1, image_uv=(320, 450))])
    assert decision.scale == 0.0 and "stop" in decision.reason


def test_with_image_zones_a_person_outside_them_gets_the_rule_cap_not_the_unlocated_cap():
    """Decided (was only documented): image zones mark where the robot can be reached."""
    zones = (ImageZone("stop", (0, 400, 640, 400, 640, 480, 0, 480), 0.0),)
    policy, t = started_policy(image_zones=zones, unlocated_max_scale=0.0)
    decision, t = run(policy, t, 5.0, [PersonObservation(1, image_uv=(320, 100))])
    assert decision.scale > 0.5 and "outside the image zones" in decision.reason
    decision, _ = run(policy, t, 0.5, [PersonObservation(1)])  # no box either: unlocated
    assert decision.scale == 0.0 and "no position" in decision.reason


def test_unlocated_person_uses_the_unlocated_cap():
    policy, t = started_policy(unlocated_max_scale=0.2)
    decision, _ = run(policy, t, 3.0, [PersonObservation(1)])
    assert decision.scale == pytest.approx(0.2) and "no position" in decision.reason


def test_an_error_inside_the_policy_is_a_fault_with_zero():
    policy, t = started_policy()
    policy.on_skeletons(t, [PersonObservation(1, floor_xy=("a", "b"))])  # defective input
    decision = policy.step(t)
    assert decision.state == SafetyState.FAULT and decision.scale == 0.0
    assert "policy error" in decision.reason


def test_robot_position_moves_the_zone_and_goes_stale():
    people = [PersonObservation(1, floor_xy=(5.0, 0.0))]
    policy = SafetyPolicy(make_config(use_robot_pose=True))
    t = 0.0
    while policy.state == SafetyState.STARTUP:
        policy.on_skeletons(t, people)
        policy.on_robot_position(t, (4.0, 0.0))
        policy.step(t)
        t += PERIOD
    policy.on_skeletons(t, people)
    policy.on_robot_position(t, (4.0, 0.0))
    assert policy.step(t).min_separation == pytest.approx(1.0)
    policy.on_skeletons(t + 1.0, people)
    decision = policy.step(t + 1.0)
    assert decision.scale == 0.0 and "robot_position stale" in decision.reason


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"ramp_up_rate": 10.0, "ramp_down_rate": 1.0}, "must not be faster"),
        ({"skeleton_timeout": -1.0}, "skeleton_timeout"),
        ({"hysteresis": -0.1}, "hysteresis"),
        ({"unlocated_max_scale": 1.5}, "unlocated_max_scale"),
    ],
)
def test_invalid_configs_are_rejected_with_the_reason(overrides, match):
    with pytest.raises(ValueError, match=match):
        SafetyPolicy(make_config(**overrides))


# -- properties ---------------------------------------------------------------
distances = st.lists(st.floats(0.0, 8.0), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(distances, st.sampled_from(["waiting", "opening_door", "unknown"]))
def test_scale_stays_in_range_and_never_rises_faster_than_the_ramp(track, label):
    policy, t = started_policy()
    previous = policy.step(t).scale
    for d in track:
        t += PERIOD
        policy.on_skeletons(t, [PersonObservation(1, floor_xy=(d, 0.0))])
        policy.on_actions(t, {1: (label, 0.9)})
        scale = policy.step(t).scale
        assert 0.0 <= scale <= 1.0
        assert scale - previous <= 0.5 * PERIOD + 1e-9
        previous = scale


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 8.0), st.floats(0.0, 8.0), st.sampled_from(["waiting", "opening_door"]))
def test_target_is_non_decreasing_in_separation(d1, d2, label):
    targets = []
    for d in sorted((d1, d2)):
        people = [PersonObservation(1, floor_xy=(d, 0.0))]
        policy, t = started_policy(people, {1: (label, 0.9)})
        policy.on_skeletons(t, people)
        policy.on_actions(t, {1: (label, 0.9)})
        targets.append(policy.step(t).target_scale)
    assert targets[0] <= targets[1]


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 3.0))
def test_stale_skeletons_always_give_zero_after_the_timeout(extra):
    policy, t = started_policy()
    assert policy.step(t + 0.5 + PERIOD + extra).scale == 0.0
    assert not math.isnan(policy.step(t + 10).scale)


# -- time from stamps --------------------------------------------------------------
FAR = [PersonObservation(1, (5.0, 0.0))]


def stamped_run(policy, t, seconds, people, lag=0.0, clock_offset=100.0):
    """Fresh arrivals whose stamps are ``lag`` s older than the node's clock."""
    decision = None
    for _ in range(round(seconds / PERIOD)):
        clock = clock_offset + t
        policy.on_skeletons(t, people, clock - lag, arrival_clock=clock)
        policy.on_actions(t, {}, clock - lag, arrival_clock=clock)
        decision = policy.step(t, clock)
        t += PERIOD
    return decision, t


def test_backlog_of_old_stamps_is_stale_however_fresh_its_arrival():
    policy, t = started_policy(FAR)
    decision, t = stamped_run(policy, t, 0.5, FAR, lag=0.0)
    assert decision.state == SafetyState.NORMAL or decision.scale > 0
    decision, _ = stamped_run(policy, t, 0.2, FAR, lag=2.0)  # a deep queue drains
    assert decision.state == SafetyState.PROTECTIVE_STOP
    assert "stale by stamp: 2.00 s old" in decision.reason


def test_future_stamps_stop_and_say_so():
    policy, t = started_policy(FAR)
    decision, _ = stamped_run(policy, t, 0.2, FAR, lag=-0.5)
    assert decision.state == SafetyState.PROTECTIVE_STOP
    assert "in the future" in decision.reason


def test_startup_in_sim_time_without_clock_holds():
    policy = SafetyPolicy(make_config())
    for i in range(30):  # bag stamps at 1.7e9 s, the node's sim clock still at 0
        policy.on_skeletons(i * PERIOD, FAR, 1.7e9)
        decision = policy.step(i * PERIOD, 0.0)
    assert decision.state == SafetyState.STARTUP and "in the future" in decision.reason


def test_clock_jumping_back_stops_until_input_after_the_jump():
    policy, t = started_policy(FAR)
    decision, t = stamped_run(policy, t, 0.5, FAR, clock_offset=100.0)
    assert decision.scale > 0
    jumped = policy.step(t, 50.0)  # bag loop: the clock went back 50 s
    assert jumped.state == SafetyState.PROTECTIVE_STOP and "clock jumped back" in jumped.reason
    policy.on_skeletons(t + PERIOD, FAR, 50.0 + PERIOD)  # the first frame after the jump
    after = policy.step(t + PERIOD, 50.0 + PERIOD)
    assert "clock" not in after.reason


def test_late_skeletons_shrink_the_separation_by_the_excess_latency():
    """Seen L s late, a person at d m may be at d - v_h (L - budget): the scale follows."""
    person = [PersonObservation(1, (2.0, 0.0))]
    settings = dict(latency_budget=0.1, max_clock_offset=1.0)  # 0.45 s is a slow pipeline
    policy, t = started_policy(person, {1: ("waiting", 0.9)}, **settings)
    on_time, t = stamped_run(policy, t, 3.0, person, lag=0.05)
    late_policy, t2 = started_policy(person, {1: ("waiting", 0.9)}, **settings)
    late, _ = stamped_run(late_policy, t2, 3.0, person, lag=0.45)
    assert late.target_scale < on_time.target_scale
    assert "over the latency budget" in late.reason
    rule = RULES.for_action(None, 0.0)  # stamped_run sends no actions: that person's rule
    assert math.isclose(late.min_separation, 2.0 - rule.human_speed * 0.35, abs_tol=1e-9)
    assert math.isclose(on_time.min_separation, 2.0, abs_tol=1e-9)


def test_refused_oversized_input_stops_for_a_skeleton_timeout():
    policy, t = started_policy(FAR)
    decision, t = run(policy, t, 0.2, FAR)
    assert decision.scale > 0
    policy.on_input_fault(t, "skeletons message refused: 5000 entries")
    stop = policy.step(t)
    assert stop.state == SafetyState.PROTECTIVE_STOP and "5000 entries" in stop.reason
    later, _ = run(policy, t + 0.6, 0.1, FAR)
    assert later.state != SafetyState.PROTECTIVE_STOP


def test_a_source_whose_stamps_lag_beyond_max_clock_offset_is_named_not_stopped_for():
    """Behind reads older: the latency rule already acts; the status names the clock."""
    policy, t = started_policy(FAR)
    decision, t = stamped_run(policy, t, 1.0, FAR, lag=0.1)
    assert decision.scale > 0 and policy.clock_offsets()["skeletons"] == pytest.approx(0.1)
    assert "clock offset" not in decision.reason
    decision, t = stamped_run(policy, t, WINDOW_S + 0.1, FAR, lag=0.3)  # a PC 0.3 s behind
    assert decision.state in (SafetyState.NORMAL, SafetyState.REDUCED)
    assert (
        "clock offset: stamps lag the node's clock (skeletons +0.30 s, action +0.30 s"
        in decision.reason
        and "chrony/PTP" in decision.reason
    )
    assert "over the latency budget" in decision.reason  # the separation shrinks for it
    decision, t = stamped_run(policy, t, PERIOD, FAR, lag=0.05)  # back in step: the least
    assert "clock offset" not in decision.reason  # delay is the new one at once
    assert policy.clock_offsets()["skeletons"] == pytest.approx(0.05)


def test_a_source_ahead_stops_at_once_and_its_offset_turns_negative():
    policy, t = started_policy(FAR)
    decision, t = stamped_run(policy, t, 1.0, FAR, lag=0.0)
    decision, t = stamped_run(policy, t, PERIOD, FAR, lag=-0.3)  # the first message ahead
    assert decision.state == SafetyState.PROTECTIVE_STOP and "in the future" in decision.reason
    assert policy.clock_offsets()["skeletons"] == pytest.approx(-0.3)


def test_a_drifting_clock_is_named_once_it_has_drifted_past_the_limit():
    policy, t = started_policy(FAR)
    drift, named_at = 0.05, None  # the source falls behind 50 ms every second
    for _ in range(round(10.0 / PERIOD)):
        lag = drift * t
        clock = 100.0 + t
        policy.on_skeletons(t, FAR, clock - lag, arrival_clock=clock)
        decision = policy.step(t, clock)
        if named_at is None and "clock offset" in decision.reason:
            named_at = t
        t += PERIOD
    assert named_at is not None  # the least lag of the window passes 0.25 s
    assert 0.25 / drift + WINDOW_S - 0.1 <= named_at <= 0.25 / drift + WINDOW_S + 0.2


def test_max_clock_offset_must_be_positive():
    with pytest.raises(ValueError, match="max_clock_offset"):
        make_config(max_clock_offset=0.0).validate()


def _feed(policy, t, clock, skeletons_lag=0.0, actions=True, robot=True, coverage=True):
    """One period of input, as a scenario below leaves it out or stamps it late."""
    if skeletons_lag is not None:
        policy.on_skeletons(t, FAR, clock - skeletons_lag, arrival_clock=clock)
    if actions:
        policy.on_actions(t, {}, clock, arrival_clock=clock)
    if robot:
        policy.on_robot_position(t, (0.0, 0.0))
    if coverage:
        policy.on_coverage(t, ["a", "b"], [True, True], clock, arrival_clock=clock)


SCENARIOS = {  # what goes wrong after a healthy start: _feed's keyword arguments
    "skeletons stop arriving": {"skeletons_lag": None},
    "skeletons stamped 2 s late": {"skeletons_lag": 2.0},
    "skeletons stamped in the future": {"skeletons_lag": -0.5},
    "the robot position stops": {"robot": False},
    "coverage stops": {"coverage": False},
    "actions stop (required)": {"actions": False},
}


@pytest.mark.parametrize("what", SCENARIOS)
def test_a_stop_an_input_causes_names_an_input_the_status_shows_unhealthy(what):
    """The status's inputs are the records the decision was made from; they never disagree."""
    policy = SafetyPolicy(make_config(use_robot_pose=True, use_coverage=True, require_actions=True))
    t, clock = 0.0, 100.0
    for _ in range(round(1.0 / PERIOD)):  # a healthy start
        _feed(policy, t, clock)
        decision = policy.step(t, clock)
        t, clock = t + PERIOD, clock + PERIOD
    assert decision.state != SafetyState.STARTUP and all(h.healthy for h in decision.inputs)
    assert {h.name for h in decision.inputs} == {
        "skeletons",
        "action",
        "robot_position",
        "coverage",
    }
    for _ in range(round(1.0 / PERIOD)):
        _feed(policy, t, clock, **SCENARIOS[what])
        decision = policy.step(t, clock)
        t, clock = t + PERIOD, clock + PERIOD
    assert decision.state == SafetyState.PROTECTIVE_STOP
    unhealthy = [h for h in decision.inputs if h.required and not h.healthy]
    assert unhealthy, decision
    assert unhealthy[0].why and unhealthy[0].why in decision.reason
    assert unhealthy[0].name in decision.reason


def test_stale_actions_that_are_not_required_show_unhealthy_and_only_mean_the_conservative_rule():
    policy, t = started_policy(FAR)
    for _ in range(round(2.0 / PERIOD)):
        policy.on_skeletons(t, FAR)
        decision = policy.step(t)
        t += PERIOD
    action = next(h for h in decision.inputs if h.name == "action")
    assert not action.healthy and not action.required and "action stale" in action.why
    assert "actions stale, conservative rule" in decision.reason


def test_a_policy_fault_still_shows_the_inputs(monkeypatch):
    policy, t = started_policy(FAR)

    def broken(*_):
        raise RuntimeError("a defect")

    monkeypatch.setattr(policy, "_step", broken)
    decision = policy.step(t)
    assert decision.state == SafetyState.FAULT and decision.scale == 0.0
    assert {h.name for h in decision.inputs} == {"skeletons", "action"}
