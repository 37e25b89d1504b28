"""Estimates of what people choose: a template with their idle shutdown, lifetime and workers, in the
policy's region; and what the policy's cost limits say about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.config.policy import Policy, Template
from bot.pricing.estimate import DATAPROC_DISK, WORKBENCH_DISK, Estimate, Shape, Usage, estimate, money
from bot.pricing.table import PriceTable, load_prices


def template_shape(template: Template, worker_count: int | None = None) -> Shape:
    """What a template creates, as the price table sees it."""
    if template.kind == "dataproc":
        d = template.dataproc_shape
        workers = d.worker_count if worker_count is None else worker_count
        machines = ((d.master_machine_type, 1),) + (((d.worker_machine_type, workers),) if workers else ())
        disks = ((DATAPROC_DISK, d.master_disk_gb + workers * d.worker_disk_gb),)
        return Shape("dataproc", machines, disks=disks)
    assert template.machine_type is not None  # a workbench template needs one (validated)
    return Shape(
        "workbench",
        ((template.machine_type, 1),),
        gpu_type=template.gpu.type if template.gpu else None,
        gpu_count=template.gpu.count if template.gpu else 0,
        disks=((WORKBENCH_DISK, template.boot_disk_gb + template.data_disk_gb),),
        serverless_spark=template.spark == "serverless",
    )


def quote(
    policy: Policy,
    template: Template,
    *,
    idle_minutes: int | None = None,
    lifetime_days: int | None = None,
    worker_count: int | None = None,
    table: PriceTable | None = None,
) -> Estimate:
    """The estimate of ``template`` with these choices (the template's defaults where None)."""
    usage = Usage(
        hours_per_day=policy.costs.working_hours_per_day,
        days_per_month=policy.costs.working_days_per_month,
        idle_minutes=idle_minutes or policy.bound(template, "idle_minutes").default,
        lifetime_days=lifetime_days or policy.bound(template, "lifetime_days").default,
    )
    return estimate(template_shape(template, worker_count), policy.gcp.region, usage, table or load_prices())


Verdict = Literal["auto", "approval", "refuse", "unchanged"]


@dataclass(frozen=True)
class CostDecision:
    """What the policy's cost limits make of an estimate: approve by itself, ask an admin, or refuse."""

    verdict: Verdict
    reason: str = ""


def cost_decision(e: Estimate, policy: Policy) -> CostDecision:
    """Refuse above ``costs.refuse_above_monthly``; auto-approve below ``costs.auto_approve_below_monthly``
    and ask an admin at or above it. An estimate the table cannot make never auto-approves."""
    c = policy.costs
    if c.auto_approve_below_monthly is None and c.refuse_above_monthly is None:
        return CostDecision("unchanged")
    if not e.priced:
        if c.auto_approve_below_monthly is not None:
            return CostDecision("approval", f"no price for {', '.join(e.unpriced)}")
        return CostDecision("unchanged")
    figure = money(e.monthly, e.currency)
    if c.refuse_above_monthly is not None and e.monthly > c.refuse_above_monthly:
        return CostDecision(
            "refuse",
            f"Estimated {figure}/month is above the {money(c.refuse_above_monthly, e.currency)} limit. "
            "Choose a shorter idle shutdown or lifetime, fewer workers, or a smaller template.",
        )
    if c.auto_approve_below_monthly is not None:
        limit = money(c.auto_approve_below_monthly, e.currency)
        if e.monthly < c.auto_approve_below_monthly:
            return CostDecision("auto", f"estimated {figure}/month, under {limit}")
        return CostDecision("approval", f"estimated {figure}/month, at or above {limit}")
    return CostDecision("unchanged")
