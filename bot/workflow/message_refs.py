"""Where a request's messages are: the narrow port the Slack layer records them through.

The notifier posts a message, then says where it went (``remember``) so that later updates edit it in place;
reading a request back (``current``) gives the freshest state to draw. It reaches the store only through this,
and the record is written here, by the workflow, as every other change to a request is.
"""

from __future__ import annotations

import dataclasses

from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.domain.transitions import Change, step_update
from bot.store.base import Store


class StoredMessageRefs:
    """``MessageRefs`` on the store: one compare-and-set per record, the request's state left as it is."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def current(self, request_id: str) -> EnvironmentRequest | None:
        """The request as it is now (its newest state, and where its messages are)."""
        return self.store.get(request_id)

    def remember(self, request_id: str, **refs: str) -> None:
        """Records where messages were posted (``dm_ts=…``, ``card_ts=…``), in any state."""

        def step(current: EnvironmentRequest) -> Change | None:
            slack = dataclasses.replace(current.slack, **refs)
            return step_update(expected=set(State), at=current.updated_at, slack=slack)(current)

        self.store.apply(request_id, step)
