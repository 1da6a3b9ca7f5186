"""The node table's command lines: what `har bringup` and the benches start."""

import pytest

from har_ros.runtime.pipeline import (
    Bringup,
    BringupError,
    chosen_nodes,
    default_params,
    node_commands,
)


def test_separate_processes_with_node_scoped_overrides():
    out = node_commands(Bringup(namespace="/cell", image="/cam/rgb", model_path="m.pt"))
    assert list(out) == ["pose_node", "action_node", "safety_node"]
    pose, action = out["pose_node"], out["action_node"]
    assert pose[1:3] == ["-m", "har_ros.nodes.pose_node"]
    assert ["--params-file", str(default_params())] == pose[4:6]
    assert "__ns:=/cell" in pose and "pose_node:image:=/cam/rgb" in pose
    assert "action_node:model_path:=m.pt" in action and "action_node:model_path:=m.pt" not in pose
    assert "use_sim_time:=false" in pose


def test_composed_is_one_process_with_every_nodes_overrides():
    out = node_commands(
        Bringup(composed=True, image="/cam/rgb", model_path="m.pt", with_video="clip.mp4")
    )
    assert list(out) == ["video_publisher", "composed"]
    composed = out["composed"]
    assert composed[1:3] == ["-m", "har_ros.nodes.composed"]
    assert "pose_node:image:=/cam/rgb" in composed and "action_node:model_path:=m.pt" in composed
    assert "video_publisher:video:=clip.mp4" in out["video_publisher"]
    assert "video_publisher:video:=clip.mp4" not in composed


def test_node_names_short_or_full_in_pipeline_order():
    assert chosen_nodes("safety, pose_node,safety") == ["pose", "safety"]


def test_bad_choices_are_errors_not_exits():
    with pytest.raises(BringupError, match="unknown nodes"):
        node_commands(Bringup(nodes="pose,planner"))
    with pytest.raises(BringupError, match="--composed runs all"):
        node_commands(Bringup(composed=True, nodes="pose,action"))
    with pytest.raises(BringupError, match="parameter file not found"):
        node_commands(Bringup(params="/nonexistent.yaml"))


def test_a_body_tracking_camera_replaces_the_pose_node():
    out = node_commands(
        Bringup(
            nodes="safety,body_tracker,action",
            body_tracking="/k4a/body_tracking_data",
            body_camera_info="/k4a/depth/camera_info",
        )
    )
    assert list(out) == ["body_tracker_node", "action_node", "safety_node"]
    tracker = out["body_tracker_node"]
    assert tracker[1:3] == ["-m", "har_ros.nodes.body_tracker_node"]
    assert "body_tracker_node:body_tracking_data:=/k4a/body_tracking_data" in tracker
    assert "body_tracker_node:depth/camera_info:=/k4a/depth/camera_info" in tracker
    with pytest.raises(BringupError, match="both publish skeletons"):
        chosen_nodes("pose,body_tracker,action")
