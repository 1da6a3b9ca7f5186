"""A plain `colcon build` (no --symlink-install) into a fresh prefix finds every file it needs.

That is what `rosdep install` + `colcon build` users and binary packages get:
the package copied into site-packages and share/, nothing pointing back at the
source tree. The test builds both packages so, in an environment that has
never seen this checkout's own install/, and starts a node, `har bringup`
(parameter file, shipped model, rules) and `har record` (message definitions)
from there, with the working directory outside the checkout.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("colcon") is None, reason="colcon not installed")]
PATH_VARIABLES = ("AMENT_PREFIX_PATH", "CMAKE_PREFIX_PATH", "COLCON_PREFIX_PATH", "PYTHONPATH",
                  "PATH", "LD_LIBRARY_PATH")


def without_this_checkout(env: dict[str, str]) -> dict[str, str]:
    """The environment minus every path into this checkout's own build/ and install/."""
    own = (str(ROOT / "install"), str(ROOT / "build"))
    clean = dict(env)
    for name in PATH_VARIABLES:
        parts = [p for p in env.get(name, "").split(os.pathsep)
                 if p and not p.startswith(own)]
        clean[name] = os.pathsep.join(parts)
    return clean


@pytest.fixture(scope="module")
def prefix(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("plain_install")
    env = without_this_checkout(os.environ)
    done = subprocess.run(
        ["colcon", "--log-base", str(base / "log"), "build",
         "--base-paths", str(ROOT / "har_msgs"), str(ROOT / "har_ros"),
         "--build-base", str(base / "build"), "--install-base", str(base / "install"),
         "--event-handlers", "console_cohesion-", "status-",
         "--cmake-args", "-DBUILD_TESTING=OFF", f"-DPython3_EXECUTABLE={sys.executable}"],
        cwd=base, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert not any(p.is_symlink() for p in (base / "install").rglob("*")), "symlinks installed"
    return base / "install"


def in_prefix(prefix: Path, command: str) -> list[str]:
    # The executables of an installed ament_python package live in lib/<package>/.
    return ["bash", "-c", f"source {prefix}/setup.bash\n"
            f"export PATH={prefix}/har_ros/lib/har_ros:$PATH\n{command}"]


def run_in_prefix(prefix: Path, command: str, cwd: Path, timeout: float = 120):
    return subprocess.run(in_prefix(prefix, command), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=without_this_checkout(os.environ))


def run_for(prefix: Path, command: str, cwd: Path, seconds: float, until: str) -> tuple[int, str]:
    """Start ``command``, wait until ``until`` appears in its output, then Ctrl-C it."""
    log = cwd / "run.log"
    with open(log, "w") as sink:
        proc = subprocess.Popen(in_prefix(prefix, command), cwd=cwd, stdout=sink,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                env=without_this_checkout(os.environ))
    deadline = time.monotonic() + seconds
    try:
        while until not in log.read_text() and proc.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, log.read_text()


def test_the_package_is_imported_from_the_prefix(prefix, tmp_path):
    done = run_in_prefix(prefix, "python -P -c 'import har_ros, har_msgs; "
                         "print(har_ros.__file__); print(har_msgs.__file__)'", tmp_path)
    assert done.returncode == 0, done.stderr
    assert all(line.startswith(str(prefix)) for line in done.stdout.split()), done.stdout


def test_a_node_starts_from_the_prefix(prefix, tmp_path):
    code, out = run_for(prefix, f"{prefix}/har_ros/lib/har_ros/action_node", tmp_path, 60,
                        until="model stgcn")
    assert "model stgcn" in out and code == 0, out


@pytest.mark.skipif(shutil.which("ros2") is None, reason="the ros2 CLI is not built here (make "
                    "setup builds it from ../shared/ros2_extras when that folder exists)")
def test_ros2_run_starts_a_node_of_the_prefix(prefix, tmp_path):
    code, out = run_for(prefix, "ros2 run har_ros safety_node", tmp_path, 60, until="NON-RATED")
    assert "NON-RATED" in out and code == 0, out


def test_bringup_finds_parameters_model_and_rules(prefix, tmp_path):
    code, out = run_for(prefix, "har bringup --nodes action,safety", tmp_path, 60,
                        until="model stgcn")
    assert "parameter file not found" not in out, out
    assert "[action_node]" in out and "model stgcn" in out, out
    assert "[safety_node]" in out and "NON-RATED" in out, out
    assert code == 0, out


def test_record_finds_the_message_definitions(prefix, tmp_path):
    done = run_in_prefix(prefix, "safety_node & node=$!; har record /safety/status -o bag "
                         "--duration 2 --discover-timeout 30; code=$?; kill -INT $node; "
                         "wait $node; exit $code", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert list((tmp_path / "bag").glob("*.mcap")), done.stdout
    listed = run_in_prefix(prefix, "har info", tmp_path)
    assert listed.returncode == 0, listed.stderr
