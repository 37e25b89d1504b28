"""Spend reports from billing export rows (pure): this month and last, by person or team, top environments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SpendRow:
    """Net cost (cost plus credits) of one environment in one invoice month, with who it belongs to."""

    who: str  # the owner or team label value
    request_id: str
    template: str
    month: str  # YYYYMM, the invoice month
    cost: float
    currency: str


def invoice_months(now: datetime) -> tuple[str, str]:
    """This invoice month and the one before, as the export writes them (``YYYYMM``)."""
    year, month = now.year, now.month
    last = (year - 1, 12) if month == 1 else (year, month - 1)
    return f"{year:04d}{month:02d}", f"{last[0]:04d}{last[1]:02d}"


@dataclass(frozen=True)
class SpendReport:
    """Totals per person or team for this month and last, and the environments that cost most this month."""

    this_month: str
    last_month: str
    currency: str
    totals: list[tuple[str, float, float]]  # (who, this month, last month), highest this month first
    top: list[SpendRow]  # this month's environments, highest first

    @property
    def total_this_month(self) -> float:
        return sum(t[1] for t in self.totals)

    @property
    def total_last_month(self) -> float:
        return sum(t[2] for t in self.totals)


def spend_report(rows: list[SpendRow], this_month: str, last_month: str, top: int = 10) -> SpendReport:
    """Adds the rows up (a request id seen in several rows is one environment)."""
    by_who: dict[str, list[float]] = {}
    environments: dict[str, SpendRow] = {}
    for r in rows:
        if r.month not in (this_month, last_month):
            continue
        sums = by_who.setdefault(r.who or "(unlabelled)", [0.0, 0.0])
        sums[0 if r.month == this_month else 1] += r.cost
        if r.month == this_month:
            seen = environments.get(r.request_id)
            cost = r.cost + (seen.cost if seen else 0.0)
            environments[r.request_id] = SpendRow(r.who, r.request_id, r.template, r.month, cost, r.currency)
    totals = sorted(((w, s[0], s[1]) for w, s in by_who.items()), key=lambda t: (-t[1], -t[2], t[0]))
    ranked = sorted(environments.values(), key=lambda r: (-r.cost, r.request_id))[:top]
    currency = rows[0].currency if rows else "USD"
    return SpendReport(this_month, last_month, currency, totals, ranked)
