"""The Bolt app, built from injected parts (never a module-level global)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack import actions, commands
from bot.slack.context import SlackServices

log = logging.getLogger(__name__)


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
    app = App(
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=False,  # no auth.test at start: starting must not depend on Slack
        process_before_response=False,
        # Bolt's default pool has 5 workers; onboarding days bring hundreds of clicks at once.
        listener_executor=listener_executor
        or ThreadPoolExecutor(max_workers=listener_threads, thread_name_prefix="bolt"),
        logger=logging.getLogger("slack_bolt"),
    )
    commands.register(app, services)
    actions.register(app, services)
    for register in extras:  # feature modules (the lifecycle) add their own listeners
        register(app, services)
    return app
