"""A node's command line and the stopping of child processes."""

import subprocess
import sys

from har_ros.runtime.processes import node_command, ros_value, stop_processes


def test_parameter_values_as_ros_args_take_them():
    assert ros_value(True) == "true"
    assert ros_value((1, 2.5)) == "[1.0, 2.5]"
    assert ros_value(["cam01", "cam02"]) == '["cam01", "cam02"]'
    assert ros_value(0.3) == "0.3"
    assert ros_value("") == '""'  # rcl refuses `-p name:=` (found by the cell bench)


def test_command_line_order():
    argv = node_command("safety_node", "/ns", {"use_coverage": True}, ["/a:=/ns/a"], "p.yaml")
    assert argv[:3] == [sys.executable, "-m", "har_ros.nodes.safety_node"]
    assert argv[3:] == [
        "--ros-args",
        "--params-file",
        "p.yaml",
        "-r",
        "__ns:=/ns",
        "-r",
        "/a:=/ns/a",
        "-p",
        "use_coverage:=true",
    ]


def test_stop_kills_what_ignores_sigterm():
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, sys, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print('ready', flush=True)\n"
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stubborn.stdout.readline() == "ready\n"
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stop_processes({"stubborn": stubborn, "polite": polite}, timeout=1.0)
    assert polite.returncode == -15 and stubborn.returncode == -9
