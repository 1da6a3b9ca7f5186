"""Run several processes as one unit: prefixed logs, stop all when one ends or on Ctrl-C.

The part of `ros2 launch` that `har bringup` needs, for machines without it.
Children run in sessions of their own (a terminal's Ctrl-C reaches them
once, through the supervisor) and learn its pid from ``HAR_SUPERVISOR_PID``:
a node started so asks the kernel to end it when the supervisor dies, even
by SIGKILL (see har_ros.common.parent_watch), so no node outlives it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from ..common.parent_watch import SUPERVISOR_ENV


@dataclass
class Outcome:
    first_exited: str | None  # None: stopped by the user
    return_codes: dict[str, int]


class Supervisor:
    def __init__(self, commands: dict[str, list[str]], env: dict[str, str] | None = None, out=None):
        self.commands = commands
        self.env = env or os.environ.copy()
        self.out = out or sys.stdout
        self.procs: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def _pump(self, name: str, stream) -> None:
        for line in iter(stream.readline, ""):
            with self._lock:
                self.out.write(f"[{name}] {line}")
                self.out.flush()

    def start(self) -> None:
        env = {**self.env, SUPERVISOR_ENV: str(os.getpid())}
        for name, argv in self.commands.items():
            proc = subprocess.Popen(
                argv,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                start_new_session=True,
            )
            self.procs[name] = proc
            threading.Thread(target=self._pump, args=(name, proc.stdout), daemon=True).start()

    def stop(self, timeout: float = 10.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def run(self) -> Outcome:
        """Start everything and wait until one process ends or Ctrl-C; then stop all."""
        # Ctrl-C / SIGINT must stop the unit even when whoever started it ignores SIGINT
        # (an ignored signal is inherited across exec), as ros2 launch handles it itself.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self.start()
        first = None
        try:
            while first is None:
                for name, proc in self.procs.items():
                    if proc.poll() is not None:
                        first = name
                        break
                time.sleep(0.1)
        except KeyboardInterrupt:
            first = None
        self.stop()
        return Outcome(first, {n: p.returncode for n, p in self.procs.items()})
