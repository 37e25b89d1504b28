"""Cost lines for the places people choose and decide: the request form, the approval card, status and
App Home. Pure text builders; the figures come from ``bot.pricing``."""

from __future__ import annotations

import logging

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject

from bot.config.policy import Policy, Template
from bot.domain.request import EnvironmentRequest
from bot.pricing.estimate import Estimate, money
from bot.pricing.quote import cost_decision, quote

log = logging.getLogger(__name__)

ESTIMATE_BLOCK = "cost_estimate"  # the estimate's block in the request form


def _quote(
    policy: Policy,
    template: Template,
    idle_minutes: int | None = None,
    lifetime_days: int | None = None,
    worker_count: int | None = None,
) -> Estimate | None:
    try:
        return quote(
            policy, template, idle_minutes=idle_minutes, lifetime_days=lifetime_days, worker_count=worker_count
        )
    except Exception:  # a broken price table must not break the form or the card: the figure is left out
        log.exception("could not estimate the cost of template %s", template.id)
        return None


def option_suffix(template: Template, policy: Policy) -> str:
    """A few characters for the template's option: ``~$0.17/h``."""
    e = _quote(policy, template)
    return f"~{money(e.running_hourly, e.currency)}/h" if e and e.priced else ""


def estimate_text(e: Estimate) -> str:
    """Running per hour, stopped per month, and the monthly figure with what it assumes."""
    if not e.priced:
        return f"💰 No estimate: the price table ({e.taken}) has no price for {', '.join(e.unpriced)}."
    text = (
        f"💰 *{money(e.running_hourly, e.currency)}/hour* while running · "
        f"{money(e.stopped_monthly, e.currency)}/month while stopped (disks) · "
        f"*about {money(e.monthly, e.currency)}/month* ({e.usage.sentence()}; list prices of {e.taken})"
    )
    for note in e.notes:
        text += f"; {note}"
    return text


def template_estimate_block(template: Template, policy: Policy) -> ContextBlock | None:
    """Under the template choice in the form: the estimate at the template's defaults."""
    e = _quote(policy, template)
    if e is None:
        return None
    text = estimate_text(e)
    decision = cost_decision(e, policy)
    if decision.verdict == "refuse":
        text += f"\n⛔ {decision.reason}"
    elif decision.verdict == "auto":
        text += f"\n✅ Approved without an admin: {decision.reason}."
    elif decision.verdict == "approval":
        text += f"\n🧑‍⚖️ An admin approves it: {decision.reason}."
    return ContextBlock(block_id=ESTIMATE_BLOCK, elements=[MarkdownTextObject(text=text[:3000])])


def request_estimate(request: EnvironmentRequest, policy: Policy) -> Estimate | None:
    """The estimate of what this request chose (idle shutdown, lifetime, workers)."""
    template = policy.template(request.template_id)
    if template is None:
        return None
    workers = request.options.get("worker_count")
    return _quote(
        policy,
        template,
        idle_minutes=request.idle_minutes,
        lifetime_days=request.lifetime_days,
        worker_count=int(workers) if workers is not None else None,
    )


def request_estimate_text(request: EnvironmentRequest, policy: Policy) -> str | None:
    """The full estimate line for the approval card (None when there is nothing to say)."""
    e = request_estimate(request, policy)
    return estimate_text(e) if e is not None else None


def request_cost_line(request: EnvironmentRequest, policy: Policy) -> str | None:
    """A short line for status and App Home: what it costs running and stopped."""
    e = request_estimate(request, policy)
    if e is None or not e.priced:
        return None
    return (
        f"💰 {money(e.running_hourly, e.currency)}/hour running · "
        f"{money(e.stopped_monthly, e.currency)}/month stopped · about {money(e.monthly, e.currency)}/month "
        f"at {e.usage.hours_per_day} h a day, {e.usage.days_per_month} days"
    )
