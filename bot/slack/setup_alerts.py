"""Telling the admins once about a problem with the setup rather than with one request (a missing permission,
a repository that refuses writes). Once per key across every instance: the store's claims decide."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.config.policy import Policy
from bot.store.base import Store
from bot.workflow.ports import Clock, plain

log = logging.getLogger(__name__)


class SetupAlerts:
    """Posts in the admin channel at most once per key; a post that fails releases the key for a later try."""

    def __init__(self, client: WebClient, store: Store, policy: Policy, clock: Clock) -> None:
        self.client = client
        self.store = store
        self.policy = policy
        self.clock = clock

    def tell_once(self, key: str, text: str) -> None:
        """Says ``text`` to the admins unless something already said it under ``key``."""
        claim = f"setup:{key}"
        if not self.store.claim(claim, self.clock()):
            return
        try:
            self.client.chat_postMessage(
                channel=self.policy.slack.admin_channel, text=f":warning: {plain(text)}"[:3000]
            )
        except Exception:
            self.store.release(claim)
            raise
