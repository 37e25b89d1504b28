"""Work that only one instance may do at a time, held by a lease in the shared store (never a process lock)."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from bot.store.base import Store
from bot.workflow.ports import Clock

log = logging.getLogger(__name__)


def holder_name(what: str) -> str:
    """A name for one holding, unique across instances, that says where it runs (for an operator reading
    the store)."""
    return f"{what}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextmanager
def one_at_a_time(store: Store, name: str, clock: Clock, ttl: timedelta) -> Iterator[bool]:
    """Yields True to the one caller (of any instance) holding the lease ``name``, False to the others.

    The lease is given back at the end; a holder that crashed loses it after ``ttl``.
    """
    holder = holder_name(name)
    mine = store.take_lease(name, holder, clock(), ttl)
    try:
        yield mine
    finally:
        if mine:
            try:
                store.drop_lease(name, holder)
            except Exception:  # it runs out by itself after ttl
                log.warning("could not give the %s lease back; it runs out in %s", name, ttl)
