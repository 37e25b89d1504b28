"""Telling people through Slack. Each message is sent once (claims in the store); updates are in place."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.config.policy import Policy
from bot.domain.request import EnvironmentRequest, SlackRefs
from bot.domain.states import State
from bot.domain.transitions import step_update
from bot.slack import messages
from bot.store.base import Store
from bot.workflow.ports import Clock

log = logging.getLogger(__name__)


def _dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


class SlackNotifier:
    """The workflow's Notifier, on Slack's Web API."""

    def __init__(self, client: WebClient, store: Store, policy: Policy, clock: Clock) -> None:
        self.client = client
        self.store = store
        self.policy = policy
        self.clock = clock
        # Updates of one request's messages go out one at a time, each with the state read under the lock,
        # so a slow update can never overwrite a newer one with an older state.
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    def _once(self, key: str, send: Callable[[], object]) -> bool:
        """Sends at most once per key; a failed send releases the key so a retry may send it."""
        if not self.store.claim(key, self.clock()):
            return False
        try:
            send()
        except Exception:
            self.store.release(key)
            raise
        return True

    def _remember(self, request: EnvironmentRequest, **refs: str) -> None:
        def step(current: EnvironmentRequest):  # type: ignore[no-untyped-def]
            merged = {**current.slack.__dict__, **refs}
            return step_update(expected=set(State), at=current.updated_at, slack=SlackRefs(**merged))(current)

        self.store.apply(request.id, step)

    def request_received(self, request: EnvironmentRequest) -> None:
        def send() -> None:
            resp = self.client.chat_postMessage(
                channel=request.owner_user_id,
                text=messages.progress_text(request),
                blocks=_dicts(messages.progress_message(request, self.policy)),
            )
            self._remember(request, dm_channel=resp["channel"], dm_ts=resp["ts"])

        self._once(f"msg:{request.id}:progress", send)

    def approval_needed(self, request: EnvironmentRequest) -> None:
        def send() -> None:
            resp = self.client.chat_postMessage(
                channel=self.policy.slack.admin_channel,
                text=f"New notebook request {request.id} from {request.owner_email}",
                blocks=_dicts(messages.approval_card(request, self.policy)),
            )
            self._remember(request, card_channel=resp["channel"], card_ts=resp["ts"])

        self._once(f"msg:{request.id}:card", send)

    def progress(self, request: EnvironmentRequest) -> None:
        with self._locks[request.id]:
            self._progress(request)

    def _progress(self, request: EnvironmentRequest) -> None:
        current = self.store.get(request.id) or request  # the freshest state, whoever calls last
        refs = current.slack
        if refs.dm_channel and refs.dm_ts:
            self._update(
                refs.dm_channel,
                refs.dm_ts,
                messages.progress_text(current),
                messages.progress_message(current, self.policy),
            )
        if refs.card_channel and refs.card_ts:
            self._update(
                refs.card_channel,
                refs.card_ts,
                f"Notebook request {current.id}: {current.state.label}",
                messages.approval_card(current, self.policy),
            )

    def _update(self, channel: str, ts: str, text: str, blocks: list[Block]) -> None:
        try:
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=_dicts(blocks))
        except SlackApiError as e:
            # An update is cosmetic: the state is in the store and the next update carries it.
            log.warning("could not update message %s/%s: %s", channel, ts, e.response.get("error"))

    def ready(self, request: EnvironmentRequest) -> None:
        self._once(
            f"msg:{request.id}:ready:{request.url}",
            lambda: self.client.chat_postMessage(
                channel=request.owner_user_id,
                text=f"{request.display_name} is ready: {request.url}",
                blocks=_dicts(messages.ready_message(request, self.policy)),
            ),
        )

    def tell_owner(self, request: EnvironmentRequest, key: str, text: str) -> None:
        self._once(
            f"msg:{request.id}:{key}",
            lambda: self.client.chat_postMessage(
                channel=request.owner_user_id,
                text=text,
                blocks=[SectionBlock(text=MarkdownTextObject(text=text)).to_dict()],
            ),
        )

    def alert_admins(self, request: EnvironmentRequest, key: str, text: str) -> None:
        blocks: list[Block] = (
            messages.failure_alert(request, text)
            if request.state == State.FAILED
            else [SectionBlock(text=MarkdownTextObject(text=text))]
        )
        self._once(
            f"msg:{request.id}:admins:{key}",
            lambda: self.client.chat_postMessage(
                channel=self.policy.slack.admin_channel, text=text, blocks=_dicts(blocks)
            ),
        )
