"""The network rule: DDS traffic of the test fixtures never leaves loopback.

Captures UDP on every non-loopback interface while two processes discover each
other and exchange skeletons. Needs root and tcpdump (skipped otherwise).
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from har_msgs.msg import SkeletonArray
from har_ros.ros.graph import spin_until, wait_for_publishers

NOT_DDS = "not port 53 and not port 67 and not port 68 and not port 123"


def _external_interfaces() -> list[str]:
    names = []
    for path in Path("/sys/class/net").iterdir():
        state_file = path / "operstate"
        operstate = state_file.read_text().strip() if state_file.exists() else ""
        if path.name != "lo" and operstate in ("up", "unknown"):
            names.append(path.name)
    return names


@pytest.mark.graph
def test_no_dds_packet_leaves_loopback(ros_node, processes, topic_prefix, tmp_path):
    if shutil.which("tcpdump") is None or os.geteuid() != 0:
        pytest.skip("needs root and tcpdump")
    interfaces = _external_interfaces()
    if not interfaces:
        pytest.skip("no non-loopback interface to watch")
    captures = []
    for name in interfaces:
        pcap = tmp_path / f"{name}.pcap"
        proc = subprocess.Popen(
            ["tcpdump", "-i", name, "-n", "-U", "-w", str(pcap), f"udp and {NOT_DDS}"],
            stderr=subprocess.PIPE,
            text=True,
        )
        assert "listening on" in proc.stderr.readline()
        captures.append((name, proc, pcap))

    received = []
    sub = ros_node.create_subscription(
        SkeletonArray, f"{topic_prefix}/skeletons", received.append, 10
    )
    processes.start(f"{topic_prefix}/skeletons", script="publish_two_people.py")
    wait_for_publishers(ros_node, sub, timeout=15.0)
    spin_until(ros_node, lambda: len(received) >= 20, timeout=15.0, what="20 messages")
    time.sleep(1.0)  # let periodic discovery announcements happen too

    for name, proc, pcap in captures:
        proc.terminate()
        proc.wait(timeout=5)
        packets = subprocess.run(
            ["tcpdump", "-n", "-r", str(pcap)], capture_output=True, text=True
        ).stdout.strip()
        assert packets == "", f"UDP left the machine on {name}:\n{packets[:2000]}"
