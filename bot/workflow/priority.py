"""Work after the ack runs below the server's priority, so that acks get the CPU first."""

from __future__ import annotations

import os
import threading

BACKGROUND_NICENESS = 10


def lower_this_thread(niceness: int = BACKGROUND_NICENESS) -> None:
    """Lowers the calling thread's scheduling priority (Linux schedules threads one by one; elsewhere, and
    where the system refuses, nothing happens: priority is a preference, never a condition)."""
    try:
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), max(current, niceness))
    except (OSError, AttributeError):
        pass
