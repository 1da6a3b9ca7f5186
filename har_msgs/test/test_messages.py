"""The generated har_msgs types: fields, constants, defaults and a CDR round trip."""

from builtin_interfaces.msg import Time
from rclpy.serialization import deserialize_message, serialize_message

from har_msgs.msg import (
    Action,
    ActionArray,
    InputStatus,
    Keypoint,
    SafetyStatus,
    Skeleton,
    SkeletonArray,
)


def test_safety_states_are_distinct_named_constants():
    states = [
        SafetyStatus.STATE_STARTUP,
        SafetyStatus.STATE_NORMAL,
        SafetyStatus.STATE_REDUCED,
        SafetyStatus.STATE_PROTECTIVE_STOP,
        SafetyStatus.STATE_FAULT,
    ]
    assert len(set(states)) == 5
    assert SafetyStatus().state == SafetyStatus.STATE_STARTUP  # default = hold


def test_skeleton_position_defaults_to_invalid():
    skeleton = Skeleton()
    assert not skeleton.position_valid
    assert skeleton.position_source == Skeleton.POSITION_NONE
    assert Skeleton.POSITION_DEPTH != Skeleton.POSITION_FLOOR


def test_action_array_round_trips_through_cdr():
    action = Action(
        track_id=4,
        label="opening_door",
        label_index=1,
        confidence=0.75,
        scores=[0.1, 0.75, 0.15],
        window_start=Time(sec=1, nanosec=5),
        window_end=Time(sec=3, nanosec=7),
    )
    msg = ActionArray(class_names=["waiting", "opening_door", "closing_door"], actions=[action])
    msg.header.frame_id = "cam"
    back = deserialize_message(serialize_message(msg), ActionArray)
    assert back.class_names == msg.class_names
    assert back.actions[0].label == "opening_door" and back.actions[0].track_id == 4
    assert [round(s, 6) for s in back.actions[0].scores] == [0.1, 0.75, 0.15]
    assert back.actions[0].window_end.nanosec == 7


def test_skeleton_array_round_trips_through_cdr():
    skeleton = Skeleton(
        track_id=2,
        layout="openpose18",
        score=0.9,
        keypoints=[Keypoint(x=1.5, y=2.5, score=0.5)] * 18,
    )
    msg = SkeletonArray(image_width=640, image_height=480, skeletons=[skeleton])
    back = deserialize_message(serialize_message(msg), SkeletonArray)
    assert len(back.skeletons[0].keypoints) == 18
    assert back.skeletons[0].keypoints[3].y == 2.5
    assert back.skeletons[0].layout == "openpose18"


def test_safety_status_carries_inputs_and_rules():
    status = SafetyStatus(
        speed_scale=0.4,
        state=SafetyStatus.STATE_REDUCED,
        reason="person 3 at 1.20 m",
        min_separation=1.2,
        nearest_track_id=3,
        active_rules=["separation", "action:opening_door"],
        inputs=[InputStatus(name="skeletons", age=0.03, rate=30.0, healthy=True)],
    )
    back = deserialize_message(serialize_message(status), SafetyStatus)
    assert back.active_rules == ["separation", "action:opening_door"]
    assert back.inputs[0].name == "skeletons" and back.inputs[0].healthy
