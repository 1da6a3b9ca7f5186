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


@pytest.mark.graph
def test_no_node_outlives_a_killed_supervisor(tmp_path):
    """SIGKILL `har bringup` (no chance to stop its nodes): the kernel ends them."""
    import os
    import signal
    import subprocess
    import sys
    import time

    log = tmp_path / "bringup.log"
    with open(log, "w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "har_ros.cli.main", "bringup", "--nodes",
                                 "safety", "--namespace", f"/orphan_{os.getpid()}"],
                                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while "NON-RATED" not in log.read_text():
        assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
        time.sleep(0.2)
    children = [int(p) for p in subprocess.run(
        ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()]
    assert children, "the supervisor started no process"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    alive = children
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [c for c in children if _running(c)]
    for pid in alive:  # do not leave them behind if the test fails
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"nodes {alive} outlived their supervisor"


def _running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    from pathlib import Path

    try:
        return ") Z " not in Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
