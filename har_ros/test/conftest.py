"""Test-session isolation for real DDS, and helpers to run nodes in other processes.

Importing this sets, before anything can start rclpy, loopback-only discovery
and a ROS domain of this test run's own (child processes inherit both), so
tests never send DDS traffic off the machine and never see another run.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

import har_ros  # noqa: F401  (its threading default, before any test imports torch)

os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ.pop("ROS_LOCALHOST_ONLY", None)
os.environ.pop("ROS_STATIC_PEERS", None)
os.environ["ROS_DOMAIN_ID"] = os.environ.get("HAR_TEST_DOMAIN_ID") or str(100 + os.getpid() % 100)
os.environ["ROS_LOG_DIR"] = tempfile.mkdtemp(prefix="har_ros_test_log_")
os.environ.setdefault("PYTHONUNBUFFERED", "1")

TEST_DIR = Path(__file__).resolve().parent
SCRIPTS_DIR = TEST_DIR / "scripts"


def run_har(*args: str, timeout: float = 300, check: bool = False) -> subprocess.CompletedProcess:
    """`har ARGS...` in a subprocess, as a user runs it; with ``check`` it must exit 0."""
    done = subprocess.run(
        [sys.executable, "-m", "har_ros.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert done.returncode == 0, f"har {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="session")
def har():
    """The `har` command line (run_har), for tests and module fixtures alike."""
    return run_har


@pytest.fixture
def demo_video() -> str:
    """The cached sports2d demo clip (two people walking); skips, saying why, without it."""
    from har_ros.assets import AssetError, asset_path

    try:
        return str(asset_path("sports2d_demo.mp4"))
    except AssetError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def stream_checkpoint(tmp_path_factory) -> Path:
    """An untrained (seeded) streaming checkpoint as `har train --stream` writes one."""
    import dataclasses

    import torch

    from har_ros.action.checkpoint import Checkpoint
    from har_ros.action.models import build_model, model_settings
    from har_ros.action.synth import ACTIONS
    from har_ros.action.train import STREAM_SETTINGS, TrainConfig
    from har_ros.skeleton.layouts import COCO17

    norm = dataclasses.replace(
        TrainConfig(window=48).normalisation(),
        sampling="stream",
        scale="frame_torso",
        window=STREAM_SETTINGS["window"],
        rate_hz=STREAM_SETTINGS["rate_hz"],
    )
    torch.manual_seed(0)
    name = STREAM_SETTINGS["model"]
    model = build_model(name, norm.channels(2), len(ACTIONS), COCO17)
    path = tmp_path_factory.mktemp("stream_ckpt") / "stream.pt"
    Checkpoint(
        name,
        model_settings(name),
        model.state_dict(),
        list(ACTIONS),
        COCO17,
        ("x", "y", "score"),
        norm,
        stride=STREAM_SETTINGS["stride"],
    ).save(path)
    return path


@pytest.fixture
def topic_prefix() -> str:
    """A namespace no other test uses, so leftovers of one test never reach another."""
    return f"/t{uuid.uuid4().hex[:8]}"


@pytest.fixture
def load_script():
    """Import a helper script of test/scripts as a module (to share its test data)."""

    def load(name: str):
        spec = importlib.util.spec_from_file_location(Path(name).stem, SCRIPTS_DIR / name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def ros_node():
    """An rclpy node in its own context, torn down after the test."""
    import rclpy
    from rclpy.context import Context

    context = Context()
    rclpy.init(context=context)
    node = rclpy.create_node(f"test_probe_{uuid.uuid4().hex[:8]}", context=context)
    try:
        yield node
    finally:
        node.destroy_node()
        rclpy.shutdown(context=context)


class ChildProcesses:
    """Starts Python scripts/modules as separate OS processes and always stops them."""

    def __init__(self, log_dir: Path):
        self._log_dir = log_dir
        self._procs: list[tuple[subprocess.Popen, Path]] = []

    def start(
        self,
        *args: str,
        module: str | None = None,
        script: str | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.Popen:
        target = ["-m", module] if module else [str(SCRIPTS_DIR / script)]
        log = self._log_dir / f"proc{len(self._procs)}.log"
        with open(log, "w") as sink:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen(
                [sys.executable, *target, *args],
                stdout=sink,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                start_new_session=True,
            )
        self._procs.append((proc, log))
        return proc

    def output(self, proc: subprocess.Popen) -> str:
        return next(log.read_text() for p, log in self._procs if p is proc)

    def stop_all(self) -> None:
        for proc, _ in self._procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc, _ in self._procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def processes(tmp_path, request):
    children = ChildProcesses(tmp_path)
    yield children
    children.stop_all()
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        for proc, log in children._procs:
            print(f"--- {proc.args} (rc={proc.returncode}) ---\n{log.read_text()}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
