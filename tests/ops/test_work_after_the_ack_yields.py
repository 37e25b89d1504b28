"""The work after an ack runs below the server's priority, so that on a busy machine acks get the CPU first."""

from __future__ import annotations

import functools
import os
import threading

from bot.workflow.background import BackgroundWork


def priority_of_this_thread() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_every_lane_of_the_work_after_the_ack_runs_below_the_servers_priority() -> None:
    server = priority_of_this_thread()
    work = BackgroundWork(workers=2, repo_workers=1, wait_workers=1)
    seen: dict[str, int] = {}
    try:

        def look(lane: str) -> None:
            seen[lane] = priority_of_this_thread()

        for lane in ("default", "repo", "wait"):
            work.submit(f"look at {lane}", functools.partial(look, lane), lane)
        assert work.wait_idle(30)
    finally:
        work.shutdown()
    assert seen.keys() == {"default", "repo", "wait"}
    assert all(niceness >= max(server, 10) for niceness in seen.values()), (server, seen)
    assert priority_of_this_thread() == server  # the server's own threads keep theirs
