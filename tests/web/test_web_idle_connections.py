"""Idle connections cannot hold the server: a flood of connections that send nothing is dropped within
seconds, and ``/healthz`` answers meanwhile."""

from __future__ import annotations

import json
import socket
import time
import urllib.request

from bot.web.server import CLEANUP_INTERVAL, IDLE_TIMEOUT
from tests.support.harness import Harness

# Far more than the bot's idle bound (IDLE_TIMEOUT + CLEANUP_INTERVAL), far less than the 30-60 s that
# idle connections held every slot before they were bounded.
GENEROUS = 25.0


def test_more_idle_connections_than_the_server_has_slots_do_not_keep_healthz_from_answering(bot: Harness) -> None:
    assert IDLE_TIMEOUT + CLEANUP_INTERVAL < GENEROUS / 2
    host, port = bot.server.url.removeprefix("http://").split(":")
    idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(1100)]  # limit is 1000
    try:
        started = time.monotonic()
        with urllib.request.urlopen(bot.server.url + "/healthz", timeout=GENEROUS) as resp:
            answer = json.loads(resp.read())
        waited = time.monotonic() - started
        assert answer["ok"] is True, answer
        assert waited < GENEROUS, f"/healthz answered only after {waited:.1f}s behind idle connections"
        # The idle ones were closed by the server, not by us.
        closed = sum(1 for s in idle[:50] if _closed_by_peer(s))
        assert closed == 50, f"only {closed} of 50 idle connections were closed by the server"
    finally:
        for s in idle:
            s.close()


def _closed_by_peer(conn: socket.socket) -> bool:
    conn.settimeout(GENEROUS)
    try:
        return conn.recv(1) == b""
    except (ConnectionResetError, TimeoutError):
        return False
