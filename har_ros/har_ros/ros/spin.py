"""Run nodes until Ctrl-C or SIGTERM, exiting cleanly with a useful code."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from collections.abc import Callable

import rclpy
from rclpy.exceptions import ParameterException
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from ..common.parent_watch import follow_supervisor
from .lifecycle import ManagedNode, StartupError


def steady_timer(node: Node, period_s: float, callback):
    """A timer on the steady clock, whatever the node's clock does.

    It keeps firing under sim time, a paused bag or a clock that jumps: a
    deadline promised to a robot must not depend on any of them.
    """
    from rclpy.clock import Clock, ClockType

    return node.create_timer(period_s, callback, clock=Clock(clock_type=ClockType.STEADY_TIME))


#: HAR_EXECUTOR: which rclpy executor every node of a process spins on.
EXECUTORS = ("single", "events")


def make_executor():
    """Rclpy's SingleThreadedExecutor, or with ``HAR_EXECUTOR=events`` its EventsExecutor.

    The EventsExecutor (``rclpy.experimental``) halves the executor's CPU per
    frame here (docs/BENCHMARKS.md); it is opt-in while rclpy calls it
    experimental. ValueError for any other value.
    """
    choice = os.environ.get("HAR_EXECUTOR", "single")
    if choice == "single":
        return SingleThreadedExecutor()
    if choice == "events":
        from rclpy.experimental import EventsExecutor

        return EventsExecutor()
    raise ValueError(f"HAR_EXECUTOR must be one of {', '.join(EXECUTORS)}, got {choice!r}")


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def is_lost_reply(exc: BaseException) -> bool:
    """Whether rclpy failed to send a service reply (the client is gone or timed out).

    rmw reports it as a warning; rclpy surfaces it from the executor, as a
    ``SystemError`` when the warning became an exception. Either way it is the
    client's loss, not the node's: the node must not die of it.
    """
    seen: BaseException | None = exc
    for _ in range(4):  # the exception and what it chains to
        if seen is None:
            return False
        text = str(seen)
        if "service_send_response" in text or "failed to send response" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def spin_once_keeping_alive(executor: SingleThreadedExecutor, timeout_sec: float) -> None:
    """One executor step; a service reply that could not be sent is logged and counted."""
    try:
        executor.spin_once(timeout_sec=timeout_sec)
    except (SystemError, RuntimeError, RuntimeWarning) as exc:
        if not is_lost_reply(exc):
            raise
        with _lost_replies_lock:
            lost_replies[0] += 1
        for node in executor.get_nodes():
            node.get_logger().warning(
                f"a service reply could not be sent (the client is gone?); "
                f"{lost_replies[0]} in this process so far; spinning on"
            )


lost_replies = [0]  # service replies this process could not send
_lost_replies_lock = threading.Lock()


#: What a node that cannot start raises: parameters, files, a failed configure.
STARTUP_FAILURES = (ValueError, TypeError, OSError, ParameterException, StartupError)


def freeze_start_up() -> None:
    """Keep what start-up made (modules, models, typestores) out of the collector's scans.

    A full collection otherwise walks every object the process holds, which
    set the body-tracking bridge's p99 (docs/BENCHMARKS.md, "Body-tracking
    bridge"). What is made later is still collected as before; a
    start-up object dropped later is freed unless it sits in a reference cycle.
    """
    gc.collect()
    gc.freeze()


def run_node(factory: Callable[[], Node], args: list[str] | None = None) -> int:
    """Create the node, spin it, and shut down. Returns 0, or 2 if it could not start."""
    return run_nodes([factory], args)


def run_nodes(factories: list[Callable[[], Node]], args: list[str] | None = None) -> int:
    """Several nodes in one process: one single-threaded executor per node.

    Each node spins on its own thread, so a node's callbacks never run
    concurrently and different nodes do (rclpy's answer to a component
    container). rclpy's MultiThreadedExecutor is not used: its per-callback
    overhead is a known cost (ros2/rclpy#1223, #1452), and with the camera node
    aboard it kept 1 frame in 6 at up to 1.5 s (docs/BENCHMARKS.md).
    """
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.SIGINT)
    signal.signal(signal.SIGTERM, _raise_interrupt)  # supervisors stop nodes with SIGTERM
    follow_supervisor()  # under `har bringup`: end with it, however it ends
    nodes: list[Node] = []
    executors: list[SingleThreadedExecutor] = []
    threads: list[threading.Thread] = []
    failures: list[BaseException] = []
    stopping = threading.Event()

    def spin_apart(executor: SingleThreadedExecutor) -> None:
        try:
            while rclpy.ok() and not stopping.is_set():
                spin_once_keeping_alive(executor, 0.2)
        except ExternalShutdownException:
            pass
        except BaseException as exc:  # handed to the main thread, which re-raises it
            if rclpy.ok():  # else a callback the shutdown caught midway: a clean stop
                failures.append(exc)
                executors[0].wake()

    try:
        try:
            make_executor()  # a bad HAR_EXECUTOR is refused before any node starts
        except ValueError as exc:
            print(f"[FATAL] {exc}", file=sys.stderr)
            return 2
        for factory in factories:
            try:
                nodes.append(factory())
                if isinstance(nodes[-1], ManagedNode):
                    nodes[-1].autostart()
            except Exception as exc:
                # Ctrl-C or SIGTERM while starting: a stop, not a failure, whatever rclpy
                # raised of it (making a node on a shut-down context is an RCLError)
                if not rclpy.ok():
                    return 0
                if not isinstance(exc, STARTUP_FAILURES):
                    raise
                print(
                    f"[FATAL] {getattr(factory, '__name__', 'node')} could not start: {exc}",
                    file=sys.stderr,
                )
                return 2
        for node in nodes:
            executors.append(make_executor())
            executors[-1].add_node(node)
        freeze_start_up()
        for executor in executors[1:]:
            threads.append(threading.Thread(target=spin_apart, args=(executor,), daemon=True))
            threads[-1].start()
        while rclpy.ok() and not failures:
            try:
                spin_once_keeping_alive(executors[0], 0.2)  # the main thread keeps the signals
            except Exception:
                if rclpy.ok():
                    raise
                break  # a callback the shutdown (Ctrl-C, ros2 launch) caught midway
        if failures:
            raise failures[0]
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        # A terminal's Ctrl-C reaches the whole process group, and ros2 launch forwards
        # its own: a second SIGINT while shutting down must not turn a clean exit into -2.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stopping.set()
        for executor in executors:
            executor.shutdown(timeout_sec=1.0)
        for thread in threads:
            thread.join(timeout=2.0)
        for node in nodes:
            node.destroy_node()
        rclpy.try_shutdown()
    return 0
