"""What instances share besides requests: leases (one holder at a time) and paced slots (rate budgets).

Several instances of the service behave as one only if what is exclusive, or limited per identity rather
than per process, lives in the store (DESIGN §7): one reconcile pass at a time, GitHub's write pacing,
Slack's rate tiers. Both stores implement these with one transaction per call; the arithmetic is here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Limits = Sequence[tuple[int, float]]  # (at most this many slots, within this many seconds)


def next_slot(
    record: dict[str, Any] | None, not_before: float, spacing: float, limits: Limits
) -> tuple[float, dict[str, Any]]:
    """The earliest instant at or after ``not_before`` that keeps ``spacing`` seconds after the last slot
    and every limit, and the record that reserves it. Slots only move forward, so the record keeps the
    last few instants handed out (as many as the largest limit), oldest first."""
    recent = [float(t) for t in (record or {}).get("recent", [])]
    slot = max(not_before, float((record or {}).get("next_at", float("-inf"))))
    for count, window in limits:
        if count > 0 and len(recent) >= count:
            slot = max(slot, recent[-count] + window)
    keep = max((count for count, _ in limits), default=1)
    recent = [*recent, slot][-keep:]
    return slot, {"next_at": slot + spacing, "recent": recent}
