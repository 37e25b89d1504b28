"""Loaded by every Python process whose PYTHONPATH starts here (sitecustomize): `notebook-bot serve` and the worker
process it starts, which does the GitHub writes. Every rate budget's clock is sped up by BENCH_TIME_SCALE (GitHub's
and Slack's minute becomes BENCH_TIME_SCALE minutes; the limits per minute stay), so that a benchmark of hundreds
of approvals finishes in minutes while keeping the ratio of writes to time. BENCH_HOURLY=0 leaves GitHub's hourly
limit out (300 pull requests are 1 500 writes: three hours of it)."""

from __future__ import annotations

import os
from typing import Any

from bot.infra import pacing, shared_budget

SCALE = float(os.environ.get("BENCH_TIME_SCALE", "1"))

_budget_init = shared_budget.SharedBudget.__init__
_pacer_init = pacing.Pacer.__init__


HOURLY = os.environ.get("BENCH_HOURLY", "1") == "1"


def _scaled_budget(
    self: Any, store: Any, key: str, per_minute: float, per_hour: float | None = None, **kwargs: Any
) -> None:
    kwargs["time_scale"] = SCALE
    _budget_init(self, store, key, per_minute, per_hour if HOURLY else None, **kwargs)


def _scaled_pacer(self: Any, per_minute: float = 80, per_hour: float = 500, **kwargs: Any) -> None:
    _pacer_init(self, per_minute / SCALE, per_hour / SCALE, **kwargs)


shared_budget.SharedBudget.__init__ = _scaled_budget  # type: ignore[method-assign]
pacing.Pacer.__init__ = _scaled_pacer  # type: ignore[method-assign]
