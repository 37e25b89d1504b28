"""Who the bot is, for Bolt's authorize step: answered from the configured token, without asking Slack first.

Bolt's single-workspace authorization asks Slack (``auth.test``) at the first request an instance gets, and
holds that request until Slack answers: a cold instance's first ack would wait on a Slack round trip. Here
every request is authorized at once with the token the bot was configured with. The bot's own user and bot
ids, which Bolt uses to ignore the bot's own events, are learned by one ``auth.test`` once the listener that
answered the first request is done (see ``bot.slack.app``), and carried from then on. A token Slack refuses
is logged, naming SLACK_BOT_TOKEN (the calls that use it fail as they would have anyway), and asked about
again later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

ASK_AGAIN_AFTER = 60.0  # seconds, after Slack refused or could not be reached


class BotIdentity(Authorize):
    """Bolt's ``authorize``: the configured bot token at once; the bot's ids once ``auth.test`` has told them.
    ``schedule`` runs the one call to Slack later, off the ack's path."""

    def __init__(
        self,
        client: WebClient,
        *,
        schedule: Callable[[Callable[[], None]], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not client.token:  # as Bolt's own single-workspace setup refuses to start without one
            raise BoltError("a bot token (SLACK_BOT_TOKEN, xoxb-...) is needed to answer Slack")
        self._token: str = client.token
        self._client = client
        self._schedule = schedule
        self._clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, Any] | None = None
        self._asking = False
        self._not_before = 0.0

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult:
        known = self._known
        if known is None:
            self.warm_up()
        known = known or {}
        return AuthorizeResult(
            enterprise_id=enterprise_id or known.get("enterprise_id"),
            team_id=team_id or known.get("team_id"),
            team=known.get("team"),
            url=known.get("url"),
            bot_user_id=known.get("user_id"),
            bot_id=known.get("bot_id"),
            bot_token=self._token,
            bot_scopes=known.get("scopes"),
            user_id=user_id,
        )

    def warm_up(self) -> None:
        """Schedules one ``auth.test`` unless one is under way, the ids are known, or Slack was asked lately."""
        with self._lock:
            if self._known is not None or self._asking or self._clock() < self._not_before:
                return
            self._asking = True
        self._schedule(self._learn)

    def _learn(self) -> None:
        known: dict[str, Any] | None = None
        try:
            answer = self._client.auth_test()
            known = {key: answer.get(key) for key in ("enterprise_id", "team_id", "team", "url", "user_id", "bot_id")}
            known["scopes"] = answer.headers.get("x-oauth-scopes")
        except SlackApiError as e:
            error = e.response.get("error") if e.response is not None else None
            log.error("Slack refused SLACK_BOT_TOKEN in auth.test (%s): check the bot token", error or e)
        except Exception as e:  # Slack unreachable: the bot works on; its ids are asked for again later
            log.warning("could not ask Slack who the bot is (auth.test: %s); asking again later", type(e).__name__)
        with self._lock:
            self._asking = False
            if known is not None:
                self._known = known
            else:
                self._not_before = self._clock() + ASK_AGAIN_AFTER
