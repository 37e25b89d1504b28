"""Slack's Tier 3 budget for ``chat.update`` (about 50 a minute per channel), shared by every instance.

Each update waits for its channel's next instant, reserved in the store (``SharedBudget``). While one update
of a message waits, later updates of the same message fold into it: they return at once, and the waiting one
reads the request's state only when its turn comes, so the newest state is what Slack shows. The mark that
an update is waiting is a lease in the store, so this holds across instances too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.infra.shared_budget import SharedBudget
from bot.store.base import Store
from bot.workflow.leases import holder_name

TIER_3_PER_MINUTE = 50
# What the bot allows itself: late wake-ups bunch sends a little, so it keeps a tenth of the tier in hand.
UPDATES_PER_MINUTE = 45
# A waiting update whose instance crashed stops holding back the others after this.
PENDING_TTL = timedelta(minutes=5)


class UpdateBudget:
    """``turn(channel, ts)`` before each ``chat.update``: False when it folded into an update already waiting."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        *,
        per_minute: float = UPDATES_PER_MINUTE,
        time_scale: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.clock = clock
        self.budget = SharedBudget(store, "slack-update", per_minute, time_scale=time_scale)
        self._sleep = sleep
        # One reservation at a time per process: the instances contend for the channel's slots, not every thread.
        self._reserving = threading.Lock()

    def turn(self, channel: str, ts: str) -> bool:
        """Waits for the channel's next update instant; False (at once) if an update of this same message
        is already waiting: that one will carry the newest state."""
        pending, holder = f"slack-update-pending:{channel}:{ts}", holder_name("slack-update")
        if not self.store.take_lease(pending, holder, self.clock(), PENDING_TTL):
            return False
        try:
            with self._reserving:
                delay = self.budget.delay(key=channel)
            self._sleep(delay)
        finally:
            # Given back before the caller reads the state: an update asked for after this read waits anew.
            self.store.drop_lease(pending, holder)
        return True
