"""What the price table cannot price in a policy: warnings for ``check-config`` (estimates are then left
out, and cost limits send such requests to an admin), never errors."""

from __future__ import annotations

from bot.config.policy import Policy
from bot.pricing.quote import quote
from bot.pricing.table import PriceTable, load_prices


def unpriced_warnings(policy: Policy, table: PriceTable | None = None) -> list[str]:
    """One line per template whose machine type, GPU, disk or region the table has no price for."""
    prices = table or load_prices()
    lines = []
    for template in policy.templates:
        e = quote(policy, template, table=prices)
        if not e.priced:
            lines.append(
                f"templates[{template.id}]: no price for {', '.join(e.unpriced)} in the price table "
                f"({prices.taken}); its estimate is not shown"
                + (" and an admin approves it" if policy.costs.auto_approve_below_monthly is not None else "")
                + " (`notebook-bot prices refresh` may add it)"
            )
    return lines
