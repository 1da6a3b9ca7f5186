"""What the demos record: actions and speed decisions on the time axis of the first stamp."""

from builtin_interfaces.msg import Time

from har_msgs.msg import Action, ActionArray, SafetyStatus
from har_ros.cli.demo_recording import DemoRecording


def _actions(sec: int, *labels: tuple[int, str, float]) -> ActionArray:
    msg = ActionArray(class_names=["waiting", "opening_door"])
    msg.header.stamp = Time(sec=sec)
    msg.actions = [Action(track_id=t, label=label, confidence=c) for t, label, c in labels]
    return msg


def test_actions_and_speed_land_on_seconds_since_the_first_stamp():
    rec = DemoRecording()
    rec.on_status(SafetyStatus(speed_scale=0.0, skeletons_stamp=Time(sec=99)))
    assert rec.speed == []  # before the first action there is no time axis yet
    rec.on_actions(_actions(100, (3, "waiting", 0.9)))
    rec.on_actions(_actions(102, (3, "opening_door", 0.75), (4, "waiting", 0.5)))
    rec.on_status(SafetyStatus(speed_scale=0.4, state=2, skeletons_stamp=Time(sec=103)))
    assert rec.class_names == ["waiting", "opening_door"]
    assert rec.timeline == [(0.0, 3, "waiting"), (2.0, 3, "opening_door"), (2.0, 4, "waiting")]
    assert rec.labels == {3: "opening_door 0.75", 4: "waiting 0.50"}
    assert rec.speed == [(3.0, 0.4, 2)] and rec.status.speed_scale == 0.4
