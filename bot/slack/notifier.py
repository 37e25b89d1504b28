"""Telling people through Slack. Each message is sent once (claims in the store); updates are in place."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web import SlackResponse

from bot.config.policy import Policy
from bot.domain.notices import Notice, RequestFailed
from bot.domain.request import EnvironmentRequest
from bot.domain.states import FINAL, State
from bot.slack import messages
from bot.slack.delivery import SETUP_ERRORS, AdminChannel, AdminChannelUnavailable, setup_error
from bot.slack.notices import say
from bot.slack.texts import MESSAGE_TEXT, fit, section, words
from bot.workflow.ports import Claims, Clock, MessageRefs, failure_key

log = logging.getLogger(__name__)

# A resend that goes ahead only if the first send never claimed its key.
UNCLAIMED_ONLY = "unclaimed-only"
# How long after a request last moved a claimed-but-unrecorded message counts as lost in a crash.
CRASH_GRACE = timedelta(minutes=30)


def _dicts(build: Callable[[], list[Block]], what: str) -> list[dict[str, Any]] | None:
    """The blocks of a message, or None when they cannot be built: the message then goes out as its text
    alone, because a message that cannot be drawn must never stop the work around it (an alert, a state)."""
    try:
        return [b.to_dict() for b in build()]
    except Exception:
        log.exception("could not build the blocks of %s; sending its text alone", what)
        return None


def _text(text: str) -> str:
    return fit(text, MESSAGE_TEXT)


class SlackNotifier:
    """The workflow's Notifier, on Slack's Web API."""

    def __init__(
        self,
        client: WebClient,
        claims: Claims,
        refs: MessageRefs,
        policy: Policy,
        clock: Clock,
        admin_channel: AdminChannel,
    ) -> None:
        self.client = client
        self.claims = claims
        self.refs = refs
        self.policy = policy
        self.clock = clock
        self.admin_channel = admin_channel
        # Updates of one request's messages go out one at a time, each with the state read just before it,
        # so a slow update never overwrites a newer one; updates asked for meanwhile fold into one more.
        self._updating: set[str] = set()
        self._stale: set[str] = set()
        self._updates_lock = threading.Lock()
        # Waits for a turn under Slack's chat.update budget, shared through the store (set by the wiring).
        self.update_turn: Callable[[str, str], bool] | None = None
        # Set by the Slack app when it is built: publishes an owner's Home again after their request moved.
        self.on_change: Callable[[str], None] | None = None

    def _once(self, key: str, send: Callable[[], object], again: str = "") -> bool:
        """Sends at most once per key; a failed send releases the key so a retry may send it.

        ``again`` marks a resend (reconcile found the message missing). A resend first tries the original
        key: if nobody ever claimed it, the first send never happened. If it is claimed, the first send may
        still be queued (a burst of messages paced at one a second), so a resend goes ahead under a key of
        its own only when ``again`` is an hour stamp, which reconcile gives only long after the request last
        moved (the first send must have crashed between its claim and Slack's answer).
        """
        now = self.clock()
        claimed = key
        if not self.claims.claim(key, now):
            if not again or again == UNCLAIMED_ONLY:
                return False
            claimed = f"{key}:again-{again}"
            if not self.claims.claim(claimed, now):
                return False
        try:
            send()
        except Exception:
            self.claims.release(claimed)
            raise
        return True

    def _remember(self, request: EnvironmentRequest, **refs: str) -> None:
        """Records where a message was posted. Slack already has the message, so a store failure here is
        logged, not raised: raising would release the claim and the message would be sent twice."""

        try:
            self.refs.remember(request.id, **refs)
        except Exception:
            log.exception("posted a message for %s but could not record where (%s)", request.id, sorted(refs))

    def _already(self, request: EnvironmentRequest, ref: str) -> bool:
        """Whether the message recorded in ``ref`` exists already (an earlier send got there first)."""
        current = self.refs.current(request.id)
        return current is not None and getattr(current.slack, ref) is not None

    def request_received(self, request: EnvironmentRequest, again: str = "") -> None:
        def send() -> None:
            if again and self._already(request, "dm_ts"):
                return
            resp = self._post(
                request.owner_user_id,
                messages.progress_text(request),
                _dicts(lambda: self._progress_blocks(request), f"the progress of {request.id}"),
            )
            self._remember(request, dm_channel=resp["channel"], dm_ts=resp["ts"])

        self._once(f"msg:{request.id}:progress", send, again)

    def approval_needed(self, request: EnvironmentRequest, again: str = "") -> None:
        self._card(request, again)

    def _card(self, request: EnvironmentRequest, again: str = "") -> bool:
        def send() -> None:
            if again and self._already(request, "card_ts"):
                return
            resp = self._to_admins(
                messages.card_text(request),
                _dicts(lambda: messages.approval_card(request, self.policy), f"the card of {request.id}"),
            )
            self._remember(request, card_channel=resp["channel"], card_ts=resp["ts"])

        try:
            sent = self._once(f"msg:{request.id}:card", send, again)
        except AdminChannelUnavailable as e:
            # The admins have been told how to fix it; the requester must not believe they were asked.
            error = e.error
            text = (
                f"⚠️ Your request *{words(request.display_name)}* (`{request.id}`) has not reached the admins yet: "
                f"their channel cannot receive it ({SETUP_ERRORS[error]}). They have been told how to fix "
                "it; it reaches them as soon as they do, and nothing is lost meanwhile."
            )
            tells: tuple[Callable[[], None], ...] = (
                lambda: self._tell_owner(request, f"card-undelivered-{error}", text),
                lambda: self._progress_messages(request),
            )
            for tell in tells:
                try:
                    tell()
                except Exception:  # one of the two failing must not keep the other from the requester
                    log.exception("could not tell the owner of %s that the admins were not reached", request.id)
            return False
        if sent and again:  # a card that waited for the channel: the requester's DM says it reached them
            self._progress_messages(request)
        return sent

    def _progress_blocks(self, request: EnvironmentRequest) -> list[Block]:
        return messages.progress_message(request, self.policy, unreached=self.admin_channel.unreached())

    def _post(self, channel: str, text: str, blocks: list[dict[str, Any]] | None) -> SlackResponse:
        if blocks is None:
            return self.client.chat_postMessage(channel=channel, text=_text(text))
        return self.client.chat_postMessage(channel=channel, text=_text(text), blocks=blocks)

    def _to_admins(self, text: str, blocks: list[dict[str, Any]] | None) -> SlackResponse:
        """A message in the admin channel; a setup refusal is told to the admins and raised (not retried)."""
        try:
            resp = self._post(self.policy.slack.admin_channel, text, blocks)
        except SlackApiError as e:
            error = setup_error(e)
            if error is None:
                raise
            self.admin_channel.refused(error)
            raise AdminChannelUnavailable(self.policy.slack.admin_channel, error) from e
        self.admin_channel.works()
        return resp

    def progress(self, request: EnvironmentRequest) -> None:
        self._progress_messages(request)
        if self.on_change is not None:
            self.on_change(request.owner_user_id)

    def _progress_messages(self, request: EnvironmentRequest) -> None:
        with self._updates_lock:
            if request.id in self._updating:  # the sender in flight will send the newest state after its own
                self._stale.add(request.id)
                return
            self._updating.add(request.id)
        try:
            while True:
                self._progress(request)
                with self._updates_lock:
                    if request.id not in self._stale:
                        return
                    self._stale.discard(request.id)
        finally:
            with self._updates_lock:
                self._updating.discard(request.id)
                self._stale.discard(request.id)

    def _progress(self, request: EnvironmentRequest) -> None:
        current = self.refs.current(request.id) or request  # the freshest state, whoever calls last
        refs = current.slack
        if refs.dm_channel and refs.dm_ts and self._turn(refs.dm_channel, refs.dm_ts):
            current = self._after_turn(current)
            self._update(
                refs.dm_channel,
                refs.dm_ts,
                messages.progress_text(current),
                _dicts(lambda: self._progress_blocks(current), f"the progress of {current.id}"),
            )
        if refs.card_channel and refs.card_ts and self._turn(refs.card_channel, refs.card_ts):
            current = self._after_turn(current)
            self._update(
                refs.card_channel,
                refs.card_ts,
                messages.card_text(current),
                _dicts(lambda: messages.approval_card(current, self.policy), f"the card of {current.id}"),
            )

    def _turn(self, channel: str, ts: str) -> bool:
        """Slack's ``chat.update`` budget, when one is set (``update_turn``, see ``bot.slack.update_budget``):
        False when this update folded into one of the same message already waiting."""
        return self.update_turn is None or self.update_turn(channel, ts)

    def _after_turn(self, current: EnvironmentRequest) -> EnvironmentRequest:
        # A turn may have waited: send the state as it is now, not as it was before the wait.
        return (self.refs.current(current.id) or current) if self.update_turn is not None else current

    def _update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None) -> None:
        try:
            # Without blocks (they could not be built) the old buttons must still go: an empty list clears.
            self.client.chat_update(channel=channel, ts=ts, text=_text(text), blocks=blocks or [])
        except SlackApiError as e:
            # An update is cosmetic: the state is in the store and the next update carries it.
            log.warning("could not update message %s/%s: %s", channel, ts, e.response.get("error"))

    def ready(self, request: EnvironmentRequest, again: str = "") -> None:
        def send() -> None:
            if again and self._already(request, "ready_ts"):
                return
            resp = self._post(
                request.owner_user_id,
                f"{request.display_name} is ready: {request.url}",
                _dicts(lambda: messages.ready_message(request, self.policy), f"the ready message of {request.id}"),
            )
            self._remember(request, ready_ts=resp["ts"])

        self._once(f"msg:{request.id}:ready:{request.url}", send, again)

    def tell_owner(self, request: EnvironmentRequest, key: str, notice: Notice) -> None:
        self._tell_owner(request, key, say(notice))

    def _tell_owner(self, request: EnvironmentRequest, key: str, text: str) -> None:
        self._once(
            f"msg:{request.id}:{key}",
            lambda: self._post(request.owner_user_id, text, _dicts(lambda: [section(text)], f"a message ({key})")),
        )

    def alert_admins(self, request: EnvironmentRequest, key: str, notice: Notice) -> None:
        self._alert(request, key, say(notice))

    def _alert(self, request: EnvironmentRequest, key: str, text: str, again: str = "") -> bool:
        failed = request.state == State.FAILED

        def build() -> list[Block]:
            return messages.failure_alert(request, text) if failed else [section(text)]

        def send() -> None:
            if again and failed and self._already(request, "alert_ts"):
                return
            resp = self._to_admins(text, _dicts(build, f"the admins' alert about {request.id}"))
            if failed:
                self._remember(request, alert_ts=resp["ts"])

        try:
            return self._once(f"msg:{request.id}:admins:{key}", send, again)
        except AdminChannelUnavailable:
            return False  # the admins were told by DM what to fix; reconcile sends this once it works

    def resend_missing(self, request: EnvironmentRequest) -> int:
        """Sends again what should have been sent but was not (Slack failed, or the instance crashed).

        A message whose first send is merely late is left alone (see ``_once``); one lost in a crash is sent
        again at most once an hour, the hour being part of the resend's key.
        """
        refs, state = request.slack, request.state
        stale = self.clock() - request.updated_at > CRASH_GRACE
        again = self.clock().strftime("%Y%m%d%H") if stale else UNCLAIMED_ONLY
        hour = again
        sent = 0
        if refs.dm_ts is None and state not in FINAL:
            sent += self._resend(lambda: self.request_received(request, again=hour))
        if refs.card_ts is None and state == State.PENDING_APPROVAL:
            sent += self._resend(lambda: self._card(request, again=hour))
        if refs.ready_ts is None and state == State.READY and request.url:
            sent += self._resend(lambda: self.ready(request, again=hour))
        if refs.alert_ts is None and state == State.FAILED:
            text = say(RequestFailed(request.id, request.owner_email, request.last_error or ""))
            sent += self._resend(lambda: self._alert(request, failure_key(request), text, again=hour))
        return sent

    @staticmethod
    def _resend(send: Callable[[], object]) -> int:
        try:
            return 0 if send() is False else 1
        except Exception:  # one message that cannot be sent must not stop the others
            log.exception("resending a missing message failed again; the next reconcile will try again")
            return 0
