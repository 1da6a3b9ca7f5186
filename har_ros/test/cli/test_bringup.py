"""`har bringup`: its exit codes and the processes it leaves behind."""

import argparse

import pytest


def test_a_request_that_cannot_start_is_exit_code_2(capsys):
    from har_ros.cli.bringup import add_arguments, run

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(["--nodes", "pose,planner"])) == 2
    assert "unknown nodes ['planner']" in capsys.readouterr().err


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
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "har_ros.cli.main",
                "bringup",
                "--nodes",
                "safety",
                "--namespace",
                f"/orphan_{os.getpid()}",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while "NON-RATED" not in log.read_text():
        assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
        time.sleep(0.2)
    children = [
        int(p)
        for p in subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
    ]
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
