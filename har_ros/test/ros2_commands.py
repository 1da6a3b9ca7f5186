"""The `ros2` commands tests run as a user types them: one-shot queries and launches.

Queries go through the ros2 daemon where a module started one (``daemon()``,
as a user's shell does after the first command): it keeps the graph, so a
query need not discover it afresh for seconds. Elsewhere they run without
it (--no-daemon). A long-running command runs in its own process group so
that stopping it stops all of it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time

import yaml

_daemon_running = False


@contextlib.contextmanager
def daemon():
    """The ros2 daemon for the queries inside (this run's domain, loopback), stopped after."""
    global _daemon_running
    ros2("daemon", "start")
    _daemon_running = True
    try:
        yield
    finally:
        _daemon_running = False
        ros2("daemon", "stop", check=False)


def discovery(spin_time: float = 2.0) -> list[str]:
    """Flags of a query: none with the daemon, else its own discovery for ``spin_time``."""
    return [] if _daemon_running else ["--no-daemon", "--spin-time", str(spin_time)]


def echo_once(topic: str, wait: float = 30.0) -> dict:
    """The first message on ``topic``, as `ros2 topic echo --once` prints it.

    Without the daemon echo must discover the topic's type within its spin time;
    "Could not determine the type" (a slow discovery) is asked again.
    """
    deadline = time.monotonic() + wait
    while True:
        out = ros2(
            "topic",
            "echo",
            "--once",
            *discovery(3),
            topic,
            "--timeout",
            str(int(wait)),
            timeout=wait + 30,
            check=False,
        )
        if "Could not determine the type" not in out or time.monotonic() > deadline:
            break
    assert "Could not determine the type" not in out, f"echo {topic}: {out}"
    # echo also prints QoS events ("A message was lost!!!" + tab-indented counts): skip them.
    for chunk in out.split("---"):
        lines = [
            line
            for line in chunk.splitlines()
            if line and not line.startswith("\t") and "!!!" not in line
        ]
        message = yaml.safe_load("\n".join(lines)) if lines else None
        if isinstance(message, dict):
            return message
    raise AssertionError(f"no message in the output of ros2 topic echo {topic}:\n{out}")


def ros2(*args: str, timeout: float = 30.0, check: bool = True) -> str:
    """Run one ros2 command to completion; its stdout and stderr.

    Without the daemon every command discovers the graph afresh, and discovery here
    is bimodal (0-40 ms or about 2 s, several seconds on a loaded machine): a node
    not found ("Node not found", or node info's "Unable to find node") is asked
    for again for 30 s; the callers know it is up.
    """
    deadline = time.monotonic() + 30.0
    while True:
        done = subprocess.run(
            ["ros2", *args], capture_output=True, text=True, timeout=timeout, start_new_session=True
        )
        out = done.stdout + done.stderr
        missing = "Node not found" in out or "Unable to find node" in out
        if not missing or time.monotonic() > deadline:
            break
    if check:
        assert done.returncode == 0, f"ros2 {' '.join(args)} -> {done.returncode}\n{out}"
    return out


def ros2_until(pattern: str | re.Pattern, *args: str, timeout: float = 30.0) -> str:
    """Repeat a query until its output matches (the graph takes a moment to show a node)."""
    deadline = time.monotonic() + timeout
    while True:
        out = ros2(*args, check=False)
        if re.search(pattern, out) or time.monotonic() > deadline:
            assert re.search(pattern, out), f"ros2 {' '.join(args)}: no {pattern!r} in\n{out}"
            return out
        time.sleep(0.5)


def wait_for_nodes(*names: str, timeout: float = 180.0) -> list[str]:
    """`ros2 node list` until every name is in it (discovery can take a few seconds).

    The timeout only matters on failure: with one core busy, a cell of seven nodes
    took over 60 s to show its action and safety nodes (torch loads first).
    """
    pattern = "".join(f"(?=[\\s\\S]*^{re.escape(n)}$)" for n in names)
    return ros2_until(
        re.compile(pattern, re.M),
        "node",
        "list",
        *discovery(),
        timeout=timeout,
    ).split()


# launch_ros's ROS adapter (started by LifecycleNode actions) sometimes fails its own
# shutdown in this launch_ros snapshot (ros2/launch_ros#565) after every node has exited
# cleanly, also when a lifecycle request is still pending as the launch ends; `ros2 launch`
# then returns 1 with one of these messages and nothing else wrong.
LAUNCH_ROS_SHUTDOWN_BUGS = (
    "Cannot shutdown a ROS adapter that is not running",
    "cannot use Destroyable because destruction was requested",
)


def assert_clean_launch(code: int, output: str) -> None:
    """Every process the launch started finished cleanly, and the launch itself did."""
    started = re.findall(r"\[INFO\] \[(\S+)\]: process started", output)
    finished = re.findall(r"\[INFO\] \[(\S+)\]: process has finished cleanly", output)
    assert started and sorted(started) == sorted(finished), output
    errors = [line for line in output.splitlines() if line.startswith("[ERROR] [launch]")]
    known = all(any(bug in line for bug in LAUNCH_ROS_SHUTDOWN_BUGS) for line in errors)
    assert code == 0 or (
        code == 1 and known and any(bug in output for bug in LAUNCH_ROS_SHUTDOWN_BUGS)
    ), output


class Started:
    """A long-running ros2 command in its own process group; stop() ends all of it."""

    def __init__(self, *args: str, log):
        self.log = log
        self.proc = subprocess.Popen(
            ["ros2", *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self, timeout: float = 20.0) -> int:
        """Ctrl-C as a terminal sends it (to the whole process group), then kill what is left."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # anything the command left behind
