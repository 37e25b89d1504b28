"""Estimates from the price table: per hour while running, per month while stopped, per month as used.

Pure: takes a template's shape, the user's choices and a price table; returns figures and the sentence
that says what they assume. Nothing here reads a file or the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.pricing.machines import machine_shape
from bot.pricing.table import PriceTable, RegionPrices

DAYS_IN_MONTH = 30
WORKBENCH_DISK = "pd-balanced"  # the workbench module's boot and data disks (PD_BALANCED)
DATAPROC_DISK = "pd-standard"  # Dataproc's default boot disk type


@dataclass(frozen=True)
class Usage:
    """How an environment is assumed to be used, for the monthly figure."""

    hours_per_day: int = 8
    days_per_month: int = 21
    idle_minutes: int = 180
    lifetime_days: int = 30

    def running_hours(self) -> float:
        """Hours it runs in its first month: working hours, plus the idle time before it stops each day."""
        days = self.days_per_month * min(self.lifetime_days, DAYS_IN_MONTH) / DAYS_IN_MONTH
        return days * (self.hours_per_day + self.idle_minutes / 60)

    def sentence(self) -> str:
        """What the monthly figure assumes, in words (shown wherever the figure is)."""
        short = self.lifetime_days < DAYS_IN_MONTH
        span = f", for its {self.lifetime_days}-day lifetime; disks all that time" if short else "; disks all month"
        return (
            f"assumes {self.hours_per_day} working hours a day on {self.days_per_month} days a month, plus "
            f"{self.idle_minutes} idle minutes before it stops each day{span}"
        )


@dataclass(frozen=True)
class Shape:
    """What an environment is made of, as priced: machines, GPUs, disks, and which extras apply."""

    kind: str  # workbench | dataproc
    machines: tuple[tuple[str, int], ...]  # (machine type, how many)
    gpu_type: str | None = None
    gpu_count: int = 0
    disks: tuple[tuple[str, int], ...] = ()  # (disk type, GB)
    serverless_spark: bool = False


@dataclass(frozen=True)
class Estimate:
    """What an environment costs, in the table's currency. ``unpriced`` lists what the table lacks: when it
    is not empty the figures leave those parts out and should not be shown as the cost."""

    currency: str
    running_hourly: float
    stopped_monthly: float
    monthly: float
    usage: Usage
    taken: str
    unpriced: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def priced(self) -> bool:
        return not self.unpriced


def estimate(shape: Shape, region: str, usage: Usage, table: PriceTable) -> Estimate:
    """The estimate of ``shape`` in ``region`` used as ``usage`` says, from ``table``."""
    missing: list[str] = []
    prices = table.region(region)
    if prices is None:
        missing.append(f"region {region}")
        prices = RegionPrices()
    hourly = 0.0
    vcpus = 0.0
    for machine_type, count in shape.machines:
        cost, cpus = _machine_hourly(machine_type, prices, region, missing)
        hourly += cost * count
        vcpus += cpus * count
        bundled = machine_shape(machine_type)
        if shape.kind == "workbench" and bundled is not None and bundled.gpu_type:
            hourly += table.workbench_gpu_hour.get(bundled.gpu_type, 0.0) * bundled.gpu_count * count
    if shape.gpu_type and shape.gpu_count:
        price = prices.gpu_hour.get(shape.gpu_type)
        if price is None:
            missing.append(f"GPU {shape.gpu_type} in {region}")
        else:
            hourly += price * shape.gpu_count
        if shape.kind == "workbench":
            hourly += table.workbench_gpu_hour.get(shape.gpu_type, 0.0) * shape.gpu_count
    if shape.kind == "workbench":
        hourly += table.workbench_vcpu_hour * vcpus
    else:
        hourly += table.dataproc_vcpu_hour * vcpus
    stopped = 0.0
    for disk_type, gb in shape.disks:
        price = prices.disk_gb_month.get(disk_type)
        if price is None:
            missing.append(f"disk {disk_type} in {region}")
            continue
        stopped += price * gb
    share = min(usage.lifetime_days, DAYS_IN_MONTH) / DAYS_IN_MONTH
    monthly = hourly * usage.running_hours() + stopped * share
    included = (
        "includes the Workbench management fee per vCPU and GPU hour"
        if shape.kind == "workbench"
        else "includes the Dataproc premium per vCPU hour"
    )
    notes = (included,) + (
        ("serverless Spark is billed per use and is not included",) if shape.serverless_spark else ()
    )
    return Estimate(
        currency=table.currency,
        running_hourly=hourly,
        stopped_monthly=stopped,
        monthly=monthly,
        usage=usage,
        taken=table.taken,
        unpriced=tuple(dict.fromkeys(missing)),
        notes=notes,
    )


def _machine_hourly(machine_type: str, prices: RegionPrices, region: str, missing: list[str]) -> tuple[float, float]:
    shape = machine_shape(machine_type)
    if shape is None:
        missing.append(f"machine type {machine_type}")
        return 0.0, 0.0
    cpu = prices.vcpu_hour.get(shape.family)
    memory = prices.memory_gb_hour.get(shape.family)
    cost = 0.0
    if cpu is None or memory is None:
        missing.append(f"{shape.family.upper()} machines in {region}")
    else:
        cost = cpu * shape.vcpus + memory * shape.memory_gb
    if shape.gpu_type:
        gpu = prices.gpu_hour.get(shape.gpu_type)
        if gpu is None:
            missing.append(f"GPU {shape.gpu_type} in {region}")
        else:
            cost += gpu * shape.gpu_count
    return cost, shape.vcpus


def money(amount: float, currency: str) -> str:
    """An amount as people read it: cents under 10 ($0.19, $4.50), whole above ($64, $1,234); other
    currencies after the figure."""
    text = f"{amount:,.2f}" if amount < 10 else f"{amount:,.0f}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"
