"""A supervised process ends when its supervisor does, even if the supervisor is SIGKILLed.

On Linux the kernel sends the child SIGTERM when its parent dies
(``prctl(PR_SET_PDEATHSIG)``); a node turns SIGTERM into a clean shutdown.
Set up by the child itself at start, so no ``preexec_fn`` runs between fork
and exec in a threaded supervisor. Elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

SUPERVISOR_ENV = "HAR_SUPERVISOR_PID"
_PR_SET_PDEATHSIG = 1


def follow_supervisor() -> bool:
    """Ask for SIGTERM when the supervisor named in the environment dies; True if armed."""
    parent = os.environ.get(SUPERVISOR_ENV, "")
    if not parent.isdigit() or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != int(parent):  # it died before we asked: go now
        os.kill(os.getpid(), signal.SIGTERM)
    return True
