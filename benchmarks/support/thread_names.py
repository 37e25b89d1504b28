"""Gives every Python thread of this process its name at the OS level too (Linux ``comm``, 15 bytes), so a
benchmark reading ``/proc/<pid>/task/*/stat`` or a profiler can tell the server's threads from the work after
the ack (``work*``, ``repo*``, ``wait*``). Python 3.11 leaves them all called ``python``. Benchmarks only."""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from typing import Any

_PR_SET_NAME = 15
_libc: Any = None
try:
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
except OSError:  # not Linux: names stay as they are
    _libc = None


def name_this_thread(name: str) -> None:
    """Sets the calling thread's OS name (what ``/proc/self/task/<tid>/comm`` says)."""
    if _libc is not None:
        _libc.prctl(_PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)


_bootstrap = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]


def _named_bootstrap(self: threading.Thread) -> None:
    name_this_thread(self.name)
    _bootstrap(self)


def install() -> None:
    """Names the calling thread ``main`` and every thread started from now on after its Python name."""
    threading.Thread._bootstrap_inner = _named_bootstrap  # type: ignore[attr-defined]
    name_this_thread("main")
