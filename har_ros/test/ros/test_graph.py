"""call_service: a request whose reply does not come is sent again, within a deadline."""

import threading
import time
import uuid

import pytest
import rclpy
from rcl_interfaces.srv import ListParameters
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor

from har_ros.ros.graph import GraphTimeoutError, call_service, spin_until

pytestmark = pytest.mark.graph


@pytest.fixture
def slow_server(topic_prefix):
    """A server in its own context and thread whose first ``len(delays)`` replies are late."""
    context = Context()
    rclpy.init(context=context)
    node = rclpy.create_node(f"slow_server_{uuid.uuid4().hex[:6]}", context=context)
    calls, delays = [], []

    def answer(request, response):
        calls.append(time.monotonic())
        if len(calls) <= len(delays):
            time.sleep(delays[len(calls) - 1])
        response.result.names = [f"call {len(calls)}"]
        return response

    node.create_service(ListParameters, f"{topic_prefix}/slow", answer)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    yield calls, delays
    executor.shutdown(timeout_sec=1)
    node.destroy_node()
    rclpy.shutdown(context=context)
    thread.join(timeout=2)


def test_a_late_reply_is_given_up_and_the_request_sent_again(ros_node, topic_prefix, slow_server):
    calls, delays = slow_server
    delays.append(1.0)
    client = ros_node.create_client(ListParameters, f"{topic_prefix}/slow")
    spin_until(ros_node, client.service_is_ready, timeout=20, what="the service")
    reply = call_service(ros_node, client, ListParameters.Request(), timeout=5, attempt_timeout=0.4)
    # sent again at least once, and the reply is the last request's, not a stale one
    assert len(calls) >= 2 and reply.result.names == [f"call {len(calls)}"]


def test_no_reply_within_the_deadline_is_a_clear_error(ros_node, topic_prefix, slow_server):
    _, delays = slow_server
    delays.extend([1.5, 1.5])
    client = ros_node.create_client(ListParameters, f"{topic_prefix}/slow")
    spin_until(ros_node, client.service_is_ready, timeout=20, what="the service")
    with pytest.raises(GraphTimeoutError, match=r"no reply from .*slow in 1\.0 s"):
        call_service(ros_node, client, ListParameters.Request(), timeout=1.0, attempt_timeout=0.4)
