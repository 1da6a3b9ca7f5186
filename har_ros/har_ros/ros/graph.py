"""Waiting on the ROS graph without fixed sleeps: spin until a condition holds."""

from __future__ import annotations

import time
from collections.abc import Callable

from rclpy.executors import Executor, SingleThreadedExecutor
from rclpy.node import Node


class GraphTimeoutError(TimeoutError):
    """The graph did not reach the expected state in time."""


def spin_until(
    node: Node,
    condition: Callable[[], bool],
    timeout: float,
    what: str = "condition",
    executor: Executor | None = None,
) -> None:
    """Spin ``node`` (or ``executor``) until ``condition()`` is true, else GraphTimeoutError."""
    own_executor = executor is None
    if own_executor:
        executor = SingleThreadedExecutor(context=node.context)
        executor.add_node(node)
    deadline = time.monotonic() + timeout
    try:
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise GraphTimeoutError(f"timed out after {timeout:.1f} s waiting for {what}")
            executor.spin_once(timeout_sec=min(0.05, remaining))
    finally:
        if own_executor:
            executor.remove_node(node)
            executor.shutdown(timeout_sec=0)


def spin_while_progressing(
    node: Node,
    condition: Callable[[], bool],
    progress: Callable[[], object],
    what: str,
    stall_timeout: float = 30.0,
    limit: float = 600.0,
    executor: Executor | None = None,
) -> None:
    """Spin until ``condition()``; give up only when ``progress()`` stalls (or after ``limit``).

    For waits on a pipeline whose speed depends on the machine (a loaded CI
    runner is several times slower): as long as the pipeline moves (frames
    keep arriving), waiting on is waiting for an event, not for a speed.
    """
    deadline = time.monotonic() + limit
    while True:
        last = progress()
        spin_until(
            node,
            lambda seen=last: condition() or progress() != seen,
            stall_timeout,
            f"{what} (no progress for {stall_timeout:.0f} s)",
            executor,
        )
        if condition():
            return
        if time.monotonic() > deadline:
            raise GraphTimeoutError(
                f"timed out after {limit:.0f} s waiting for {what}, though the pipeline kept moving"
            )


def wait_for_subscribers(
    node: Node, publisher, count: int = 1, timeout: float = 10.0, executor: Executor | None = None
) -> None:
    """Wait until ``publisher`` has matched at least ``count`` subscriptions."""
    spin_until(
        node,
        lambda: publisher.get_subscription_count() >= count,
        timeout,
        f"{count} subscriber(s) on {publisher.topic_name}",
        executor,
    )


def wait_for_publishers(
    node: Node,
    subscription,
    count: int = 1,
    timeout: float = 10.0,
    executor: Executor | None = None,
) -> None:
    """Wait until ``subscription`` has matched at least ``count`` publishers."""
    spin_until(
        node,
        lambda: subscription.get_publisher_count() >= count,
        timeout,
        f"{count} publisher(s) on {subscription.topic_name}",
        executor,
    )


def call_service(
    node: Node,
    client,
    request,
    timeout: float = 10.0,
    attempt_timeout: float = 2.0,
    executor: Executor | None = None,
):
    """Call a service and wait for its reply; send the request again if a reply is lost.

    ``service_is_ready()`` only says the request topic matched: a server can
    answer a client whose reply reader it has not discovered yet, and that
    reply is dropped ("failed to send response"). Only for requests that are
    safe to repeat, such as getting or setting parameters.
    """
    deadline = time.monotonic() + timeout
    while True:
        future = client.call_async(request)
        wait = min(attempt_timeout, deadline - time.monotonic())
        try:
            spin_until(node, future.done, wait, f"a reply from {client.service_name}", executor)
            return future.result()
        except GraphTimeoutError:
            client.remove_pending_request(future)
            if time.monotonic() >= deadline:
                raise GraphTimeoutError(
                    f"no reply from {client.service_name} in {timeout:.1f} s "
                    "(request sent again every "
                    f"{attempt_timeout:.1f} s)"
                ) from None
