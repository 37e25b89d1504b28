"""The production HTTP server: waitress (a real multi-threaded WSGI server), in front of the routes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from waitress.server import create_server

from bot.web.routes import MAX_BODY

log = logging.getLogger(__name__)
IDLE_TIMEOUT = 10
CLEANUP_INTERVAL = 1


class Server:
    """A waitress server on ``host:port`` (port 0 picks a free one), startable in a thread."""

    def __init__(
        self,
        app: Callable[..., Any],
        *,
        host: str = "0.0.0.0",  # noqa: S104 - a container listens on every interface
        port: int = 3000,
        threads: int = 32,
        connection_limit: int = 1000,
        idle_timeout: int = IDLE_TIMEOUT,
    ) -> None:
        # connection_limit and backlog are sized for onboarding bursts. A connection that sends nothing
        # for idle_timeout seconds (an idle keep-alive, a half-sent request) is closed within
        # CLEANUP_INTERVAL more, so a flood of idle connections holds the slots for seconds, not minutes.
        # poll() rather than select(): select cannot watch descriptors above 1024.
        self._server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=connection_limit,
            backlog=2048,
            channel_timeout=idle_timeout,
            cleanup_interval=CLEANUP_INTERVAL,
            asyncore_use_poll=True,
            max_request_body_size=MAX_BODY,
            max_request_header_size=64 * 1024,
            ident="notebook-bot",
            clear_untrusted_proxy_headers=True,
        )
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        host = str(self._server.effective_host)
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{self.port}"  # noqa: S104

    def serve_forever(self) -> None:
        """Serves in the calling thread until ``request_stop`` (from any thread), then closes."""
        log.info("serving on %s", self.url)
        try:
            self._loop()
        finally:
            self._close()

    def request_stop(self) -> None:
        """Asks ``serve_forever`` to return (another thread found the server must not go on)."""
        self._stopping.set()
        self._server.pull_trigger()  # wakes the loop now, not at its next second

    def start(self) -> Server:
        """Serves in a background thread until ``stop`` (the demo, tests and benchmarks use this)."""
        self._thread = threading.Thread(target=self._loop, name="http", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        server: Any = self._server
        # Each turn waits for the sockets up to a second (waitress's own default): an idle server wakes once a
        # second, not twenty times (a stop pulls waitress's trigger and is seen at once).
        while not self._stopping.is_set():
            server.asyncore.loop(timeout=1.0, map=server._map, count=1, use_poll=True)

    def stop(self) -> None:
        """Stops accepting, lets the running requests finish, then closes the sockets."""
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._close()

    def _close(self) -> None:
        server: Any = self._server
        server.task_dispatcher.shutdown()
        for channel in list(server._map.values()):  # open keep-alive connections, then the listener
            channel.close()
        server.close()
