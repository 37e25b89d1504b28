"""Idle connections cannot hold the server: a flood of connections that send nothing is dropped within
seconds, and ``/healthz`` answers meanwhile."""

from __future__ import annotations

import json
import resource
import socket
import time
import urllib.request

from bot.web.server import CLEANUP_INTERVAL, IDLE_TIMEOUT, Server
from tests.support.harness import Harness

# Far more than the bot's idle bound (IDLE_TIMEOUT + CLEANUP_INTERVAL), far less than the 30-60 s that
# idle connections held every slot before they were bounded.
GENEROUS = 25.0


def _slots() -> int:
    """The production limit (1000 connections), unless this machine lets a process open too few files for
    both ends of that many connections: then as many as it can."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    return 1000 if soft == resource.RLIM_INFINITY else min(1000, (soft - 400) // 2)


def test_more_idle_connections_than_the_server_has_slots_do_not_keep_healthz_from_answering(
    bot: Harness,
) -> None:
    assert IDLE_TIMEOUT + CLEANUP_INTERVAL < GENEROUS / 2
    slots = _slots()
    server = Server(bot.app.wsgi, host="127.0.0.1", port=0, threads=4, connection_limit=slots).start()
    host, port = server.url.removeprefix("http://").split(":")
    idle: list[socket.socket] = []
    try:
        idle.extend(socket.create_connection((host, int(port)), timeout=5) for _ in range(slots + 100))
        started = time.monotonic()
        with urllib.request.urlopen(server.url + "/healthz", timeout=GENEROUS) as resp:
            answer = json.loads(resp.read())
        waited = time.monotonic() - started
        assert answer["ok"] is True, answer
        assert waited < GENEROUS, f"/healthz answered only after {waited:.1f}s behind {slots + 100} idle connections"
        # The idle ones were closed by the server, not by us.
        closed = sum(1 for s in idle[:50] if _closed_by_peer(s))
        assert closed == 50, f"only {closed} of 50 idle connections were closed by the server"
    finally:
        for s in idle:
            s.close()
        server.stop()


def _closed_by_peer(conn: socket.socket) -> bool:
    conn.settimeout(GENEROUS)
    try:
        return conn.recv(1) == b""
    except (ConnectionResetError, TimeoutError):
        return False
