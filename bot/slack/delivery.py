"""The admin channel as a setup problem: when Slack will not take a message there, say so loudly.

Slack answers ``not_in_channel`` (the bot was never invited to a private channel), ``channel_not_found``
(a wrong ID in the policy, or a private channel the bot cannot see) or ``is_archived``. None of these
cures itself by retrying: a person has to act. So every admin gets a DM naming the channel and the fix
(once per problem, shared by all instances through the store's claims), ``/healthz`` reports it, and the
messages that could not go out stay missing so that reconcile sends them once the channel works.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config.policy import Policy
from bot.slack.texts import section
from bot.store.base import Store
from bot.workflow.ports import Clock

log = logging.getLogger(__name__)

# Slack's answers that mean "the channel cannot receive the bot's messages until someone fixes it".
SETUP_ERRORS = {
    "not_in_channel": "the bot is not a member of it",
    "channel_not_found": "Slack finds no such channel the bot can see (a wrong ID, or a private channel it "
    "was not invited to)",
    "is_archived": "it is archived",
}
_FIX = {
    "not_in_channel": "type `/invite @notebook-bot` in that channel",
    "channel_not_found": "check `slack.admin_channel` in the policy file, and if the channel is private type "
    "`/invite @notebook-bot` in it",
    "is_archived": "unarchive it, or set `slack.admin_channel` to a channel that is in use and type "
    "`/invite @notebook-bot` there",
}


class AdminChannelUnavailable(Exception):
    """A message for the admin channel was refused for a setup reason (see ``SETUP_ERRORS``)."""

    def __init__(self, channel: str, error: str) -> None:
        super().__init__(f"Slack refused a message in {channel}: {error}")
        self.channel = channel
        self.error = error


def setup_error(e: SlackApiError) -> str | None:
    """Slack's error code when it is a setup problem of the channel, else None."""
    error = str(e.response.get("error") or "")
    return error if error in SETUP_ERRORS else None


class AdminChannel:
    """Knows whether the admin channel takes messages, and tells the admins when it does not."""

    def __init__(self, client: WebClient, store: Store, policy: Policy, clock: Clock) -> None:
        self.client = client
        self.store = store
        self.policy = policy
        self.clock = clock
        self._problem: tuple[str, datetime] | None = None
        self._lock = threading.Lock()

    @property
    def channel(self) -> str:
        return self.policy.slack.admin_channel

    def unreached(self) -> str | None:
        """Why messages cannot reach the admin channel now, in a requester's words, or None."""
        with self._lock:
            return SETUP_ERRORS[self._problem[0]] if self._problem else None

    def problem(self) -> str | None:
        """What ``/healthz`` reports while the channel is refused, or None."""
        with self._lock:
            if self._problem is None:
                return None
            error, since = self._problem
        return (
            f"cannot post in the admin channel {self.channel} since {since:%Y-%m-%d %H:%M} UTC: Slack says "
            f"{error} ({SETUP_ERRORS[error]}); fix: {_FIX[error].replace('`', '')}"
        )

    def refused(self, error: str) -> None:
        """Slack refused a message there: remember it and DM every admin (once per problem)."""
        with self._lock:
            if self._problem is None or self._problem[0] != error:
                self._problem = (error, self.clock())
        log.error("the admin channel %s refuses the bot's messages: %s", self.channel, error)
        text = (
            f"⚠️ I cannot post approval cards and alerts in <#{self.channel}>: Slack says `{error}` "
            f"({SETUP_ERRORS[error]}). To fix it, {_FIX[error]}. Requests wait meanwhile; their cards go "
            "out as soon as the channel works."
        )
        for admin in self._admins():
            key = f"setup:{self.channel}:{error}:{admin}"
            if not self.store.claim(key, self.clock()):
                continue
            try:
                self.client.chat_postMessage(channel=admin, text=text, blocks=[section(text).to_dict()])
            except Exception:
                self.store.release(key)
                log.exception("could not tell admin %s that the admin channel refuses messages", admin)

    def works(self) -> None:
        """A message went through: the problem (if this instance knew one) is over; a new one is told anew."""
        with self._lock:
            known, self._problem = self._problem, None
        if known is None:
            return
        log.info("the admin channel %s takes messages again", self.channel)
        for admin in self._admins():
            self.store.release(f"setup:{self.channel}:{known[0]}:{admin}")

    def _admins(self) -> list[str]:
        admins = list(dict.fromkeys(self.policy.slack.admins))
        group = self.policy.slack.admin_usergroup
        if group:
            try:
                admins += [u for u in self.client.usergroups_users_list(usergroup=group).get("users") or []]
            except Exception:
                log.warning("could not list the admin user group %s; telling the listed admins only", group)
        return list(dict.fromkeys(admins))
