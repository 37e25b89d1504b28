"""The expiry reminder DM (with its Extend and Delete now buttons), sent once per expiry time."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from bot.domain.request import EnvironmentRequest, iso
from bot.slack.environments import reminder_blocks
from bot.slack.texts import when
from bot.store.base import Store
from bot.workflow.ports import Clock


class SlackReminders:
    """The workflow's ``expiry.Reminders`` on Slack's Web API."""

    def __init__(self, client: WebClient, store: Store, clock: Clock) -> None:
        self.client = client
        self.store = store
        self.clock = clock

    def expiry_reminder(self, request: EnvironmentRequest, limit: datetime | None) -> None:
        # Keyed by the expiry time: an extended environment earns a new reminder, a racing pass does not.
        key = f"msg:{request.id}:reminder:{iso(request.expires_at)}"
        if not self.store.claim(key, self.clock()):
            return
        try:
            self.client.chat_postMessage(
                channel=request.owner_user_id,
                text=f"{request.display_name} expires on {when(request.expires_at)}",
                blocks=[b.to_dict() for b in reminder_blocks(request, limit)],
            )
        except Exception:
            self.store.release(key)  # not sent: the next pass may try again
            raise
