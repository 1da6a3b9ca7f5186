"""One node as a child process: its command line, start and stop."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Mapping


def ros_value(value: object) -> str:
    """A parameter value as ``-p name:=value`` needs it (YAML: true, [1.0, 2.0], ["a"])."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return json.dumps(
            [
                float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                for v in value
            ]
        )
    if value == "":
        return '""'  # `name:=` alone is not a value: the node would not start
    return str(value)


def node_command(
    executable: str,
    namespace: str = "",
    params: Mapping[str, object] | None = None,
    remaps: Iterable[str] = (),
    params_file: str = "",
    extra: Iterable[str] = (),
) -> list[str]:
    """``python -m har_ros.nodes.<executable> --ros-args ...`` for this interpreter."""
    argv = [sys.executable, "-m", f"har_ros.nodes.{executable}", "--ros-args"]
    if params_file:
        argv += ["--params-file", params_file]
    if namespace:
        argv += ["-r", f"__ns:={namespace}"]
    for remap in remaps:
        argv += ["-r", remap]
    for name, value in (params or {}).items():
        argv += ["-p", f"{name}:={ros_value(value)}"]
    return [*argv, *extra]


def start_node(
    executable: str,
    namespace: str = "",
    params: Mapping[str, object] | None = None,
    remaps: Iterable[str] = (),
    output=subprocess.DEVNULL,
) -> subprocess.Popen:
    """Start one node; its output goes to ``output`` (discarded by default)."""
    return subprocess.Popen(
        node_command(executable, namespace, params, remaps), stdout=output, stderr=subprocess.STDOUT
    )


def stop_processes(procs: Mapping[str, subprocess.Popen], timeout: float = 10.0) -> None:
    """SIGTERM every process still running, then SIGKILL what has not ended in ``timeout``."""
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
