"""Fault points: places inside the long writes (an import, the monthly cycle, a coverage refresh, a plan's
commit, a payment notification and its booking) where a test can have the process killed, to show that a
process dying there leaves the data exactly as before or exactly as after and that running it again
finishes the work (tests/test_faults.py).

`fault_point("cycle.before_commit")` kills its own process with SIGKILL, as the kernel's OOM killer or a
power cut would (no exception, no `finally`, no atexit, no rollback sent), when the environment variable
CAKUPAN_FAULT names that point. Unset, as in production, a call is one dictionary look-up and a string
compare. No Django: the point may sit anywhere.
"""

from __future__ import annotations

import os
import signal

VARIABLE = "CAKUPAN_FAULT"


def fault_point(name: str) -> None:
    """Die here, at once and without any clean-up, when CAKUPAN_FAULT equals `name`."""
    if os.environ.get(VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
