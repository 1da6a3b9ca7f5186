"""NodeSession: nodes in a namespace of their own, watched by a probe, always stopped."""

import pytest

from har_msgs.msg import SafetyStatus
from har_ros.ros.graph import spin_until
from har_ros.ros.session import NodeSession

pytestmark = pytest.mark.graph


def test_a_session_starts_watches_names_the_dead_and_stops_every_process():
    with NodeSession("test_session") as session:
        session.start("safety", "safety_node", {"publish_markers": False})
        session.start("sleeper", command=["sleep", "600"])  # any command, stopped on exit
        statuses = []
        sub = session.probe.create_subscription(
            SafetyStatus, f"{session.namespace}/safety/status", statuses.append, 10
        )
        session.wait_for_publishers(sub)
        spin_until(session.probe, lambda: statuses, 30, "a status from the session's node")
        assert session.running("safety") and session.died() == []
        with pytest.raises(ValueError, match="started already"):
            session.start("safety", "safety_node")  # the first would never be stopped
        session.processes["safety"].kill()
        session.processes["safety"].wait(timeout=10)
        assert session.died() == ["safety"] and session.died("safety") == []
        processes = dict(session.processes)
    assert all(p.poll() is not None for p in processes.values())
    with pytest.raises(RuntimeError, match="with block"):
        _ = session.probe
