"""Rate budgets shared by every instance through the store: each call reserves its own instant.

GitHub's secondary limits and Slack's rate tiers hold per identity (per token, per channel), not per process:
four Cloud Run instances pacing themselves each at GitHub's limit would write four times too fast. A
``SharedBudget`` asks the store (one transaction per call) for the next free instant under one key; every
instance asking under the same key gets instants spaced and counted as one caller's would be.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from bot.store.base import Store

MINUTE = 60.0
HOUR = 3600.0


class SharedBudget:
    """``per_minute`` (and optionally ``per_hour``) calls under ``key``, spread evenly, across instances.

    ``time_scale`` shrinks every window (benchmarks run GitHub's minute in seconds, keeping the ratio).
    """

    def __init__(
        self,
        store: Store,
        key: str,
        per_minute: float,
        per_hour: float | None = None,
        *,
        time_scale: float = 1.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.key = key
        self.spacing = MINUTE * time_scale / per_minute
        self.limits: list[tuple[int, float]] = [(int(per_minute), MINUTE * time_scale)]
        if per_hour:
            self.limits.append((int(per_hour), HOUR * time_scale))
        self._wall = wall

    def delay(self, not_before: float = 0.0, key: str | None = None) -> float:
        """Reserves the next instant for one call (no sooner than ``not_before`` seconds from now) and
        returns how many seconds from now it is. ``key`` narrows the budget (a channel's own)."""
        now = self._wall()
        name = f"{self.key}:{key}" if key else self.key
        slot = self.store.reserve_slot(name, now + max(0.0, not_before), self.spacing, self.limits)
        return max(0.0, slot - now)


def identity_key(secret_or_id: str) -> str:
    """A stable, non-secret name for the identity a budget belongs to (a token is hashed, never stored)."""
    return hashlib.sha256(secret_or_id.encode()).hexdigest()[:16]
