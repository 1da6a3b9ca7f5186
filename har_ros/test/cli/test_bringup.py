"""`har bringup`: the processes it starts and their arguments."""

import argparse

import pytest

from har_ros.cli.bringup import add_arguments, commands, default_params


def parse(*argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_separate_processes_with_node_scoped_overrides():
    out = commands(parse("--namespace", "/cell", "--image", "/cam/rgb", "--model-path", "m.pt"))
    assert list(out) == ["pose_node", "action_node", "safety_node"]
    pose, action = out["pose_node"], out["action_node"]
    assert pose[1:3] == ["-m", "har_ros.nodes.pose_node"]
    assert ["--params-file", str(default_params())] == pose[4:6]
    assert "__ns:=/cell" in pose and "pose_node:image:=/cam/rgb" in pose
    assert "action_node:model_path:=m.pt" in action and "action_node:model_path:=m.pt" not in pose


def test_composed_is_one_process_with_every_nodes_overrides():
    out = commands(parse("--composed", "--image", "/cam/rgb", "--model-path", "m.pt",
                         "--with-video", "clip.mp4"))
    assert list(out) == ["video_publisher", "composed"]
    composed = out["composed"]
    assert composed[1:3] == ["-m", "har_ros.nodes.composed"]
    assert "pose_node:image:=/cam/rgb" in composed and "action_node:model_path:=m.pt" in composed
    assert "video_publisher:video:=clip.mp4" in out["video_publisher"]


def test_bad_choices_are_refused():
    with pytest.raises(SystemExit, match="unknown nodes"):
        commands(parse("--nodes", "pose,planner"))
    with pytest.raises(SystemExit, match="--composed runs all"):
        commands(parse("--composed", "--nodes", "pose,action"))
    with pytest.raises(SystemExit, match="parameter file not found"):
        commands(parse("--params", "/nonexistent.yaml"))
