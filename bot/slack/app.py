"""The Bolt app, built from injected parts (never a module-level global)."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped, warning_token_skipped
from slack_sdk import WebClient

from bot.slack import actions, commands
from bot.slack.context import SlackServices
from bot.slack.identity import BotIdentity

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class _TokenNotes(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN by itself and then notes, at every start, that it will not use it: the bot
    gives it the token through its client and its authorize step, as meant. Notes that only alarm are dropped."""

    NOTES = frozenset({warning_client_prioritized_and_token_skipped(), warning_token_skipped()})

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self.NOTES


class _ListenerPool(Executor):
    """Where Bolt runs listeners: each in the context of the request it answers (its id and trace, see
    ``bot.logs``), so the lines it logs, Slack calls included, can be found by the request id people quote;
    and work queued with ``afterwards`` runs once the listener running is done, off the path of its ack."""

    def __init__(self, pool: Executor) -> None:
        self._pool = pool
        self._lock = threading.Lock()
        self._afterwards: list[Callable[[], None]] = []

    def afterwards(self, work: Callable[[], None]) -> None:
        """Runs ``work`` in the pool once the next listener to finish is done."""
        with self._lock:
            self._afterwards.append(work)

    def after_inline_listener(self) -> None:
        """A listener ran in the request's thread, not here (``bot.slack.lazy_jobs``): the work waiting for a
        listener to be done runs now, in the pool."""
        with self._lock:
            waiting = bool(self._afterwards)
        if waiting:
            self.submit(lambda: None)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        context = contextvars.copy_context()

        def in_context() -> T:
            try:
                return context.run(fn, *args, **kwargs)
            finally:
                with self._lock:
                    queued, self._afterwards = self._afterwards, []
                for work in queued:
                    try:
                        work()
                    except Exception:  # never the listener's failure: it has answered already
                        log.exception("work queued after a listener failed")

        return self._pool.submit(in_context)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def build_bolt_app(
    services: SlackServices,
    *,
    client: WebClient,
    signing_secret: str,
    listener_threads: int = 32,
    listener_executor: Executor | None = None,
    extras: Iterable[Callable[[App, SlackServices], None]] = (),
) -> App:
    """A Bolt app whose listeners ack first and leave slow work to the background."""
    pool = _ListenerPool(
        listener_executor or ThreadPoolExecutor(max_workers=listener_threads, thread_name_prefix="bolt")
    )
    bolt_log = logging.getLogger("slack_bolt")
    notes = _TokenNotes()
    bolt_log.addFilter(notes)
    try:
        app = App(
            # Named, or Bolt names the app after its caller's file by reading the source of every calling frame.
            name="notebook-bot",
            client=client,
            signing_secret=signing_secret,
            # From the configured token: neither the start nor an instance's first ack waits on Slack's auth.test.
            authorize=BotIdentity(client, schedule=pool.afterwards),
            process_before_response=False,
            # Bolt's default pool has 5 workers; onboarding days bring hundreds of clicks at once.
            listener_executor=pool,
            logger=bolt_log,
        )
    finally:
        bolt_log.removeFilter(notes)
    commands.register(app, services)
    actions.register(app, services)
    for register in extras:  # feature modules (the lifecycle) add their own listeners
        register(app, services)
    return app
