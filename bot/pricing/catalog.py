"""Reading list prices out of Cloud Billing Catalog SKUs (pure: SKU JSON in, a price table's JSON out).

A SKU is priced per ``pricingInfo[].pricingExpression.usageUnit`` (``h`` for a vCPU or GPU hour, ``GiBy.h``
for memory, ``GiBy.mo`` for disks) at ``tieredRates[].unitPrice`` = ``units`` + ``nanos`` / 1e9, and
applies in each of its ``serviceRegions``. SKUs are recognised by their description, as Google words them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# family -> (vCPU SKU description, memory SKU description), each followed by " running in <place>".
FAMILIES: dict[str, tuple[str, str]] = {
    "e2": ("E2 Instance Core", "E2 Instance Ram"),
    "n1": ("N1 Predefined Instance Core", "N1 Predefined Instance Ram"),
    "n2": ("N2 Instance Core", "N2 Instance Ram"),
    "n2d": ("N2D AMD Instance Core", "N2D AMD Instance Ram"),
    "c2": ("Compute optimized Core", "Compute optimized Ram"),
    "a2": ("A2 Instance Core", "A2 Instance Ram"),
    "g2": ("G2 Instance Core", "G2 Instance Ram"),
}
GPUS: dict[str, str] = {
    "NVIDIA_TESLA_T4": "Nvidia Tesla T4 GPU",
    "NVIDIA_L4": "Nvidia L4 GPU",
    "NVIDIA_TESLA_P100": "Nvidia Tesla P100 GPU",
    "NVIDIA_TESLA_V100": "Nvidia Tesla V100 GPU",
    "NVIDIA_TESLA_A100": "Nvidia Tesla A100 GPU",
    "NVIDIA_A100_80GB": "Nvidia Tesla A100 80GB GPU",
}
DISKS: dict[str, str] = {
    "pd-standard": "Storage PD Capacity",
    "pd-balanced": "Balanced PD Capacity",
    "pd-ssd": "SSD backed PD Capacity",
}
DATAPROC = "Licensing Fee for Google Cloud Dataproc (CPU cost)"
_UNITS = {"vcpu_hour": "h", "memory_gb_hour": "GiBy.h", "gpu_hour": "h", "disk_gb_month": "GiBy.mo"}


@dataclass
class CatalogPrices:
    """What a set of SKUs said: region -> part -> key -> price, and the SKU ids each key came from."""

    regions: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    skus: dict[str, list[str]] = field(default_factory=dict)
    dataproc_vcpu_hour: float | None = None
    skipped: list[str] = field(default_factory=list)

    def put(self, part: str, key: str, sku: dict[str, Any], price: float) -> None:
        for region in sku.get("serviceRegions") or []:
            self.regions.setdefault(region, {}).setdefault(part, {})[key] = price
        ids = self.skus.setdefault(f"{part}/{key}", [])
        if sku.get("skuId") not in ids:
            ids.append(str(sku.get("skuId")))


def unit_price(sku: dict[str, Any]) -> tuple[float, str] | None:
    """The SKU's on-demand price per usage unit (the first non-free tier) and the unit, or None."""
    for info in sku.get("pricingInfo") or []:
        expression = info.get("pricingExpression") or {}
        tiers = sorted(expression.get("tieredRates") or [], key=lambda t: float(t.get("startUsageAmount") or 0))
        for tier in tiers:
            price = tier.get("unitPrice") or {}
            amount = float(price.get("units") or 0) + float(price.get("nanos") or 0) / 1e9
            if amount > 0 or tier is tiers[-1]:
                return amount, str(expression.get("usageUnit") or "")
    return None


def _named(description: str, name: str) -> bool:
    return description == name or description.startswith(f"{name} running in ") or description.startswith(f"{name} in ")


def read_compute(skus: Iterable[dict[str, Any]], into: CatalogPrices) -> None:
    """Machine families' vCPU and memory, GPUs and persistent disks, from Compute Engine's SKUs."""
    for sku in skus:
        category = sku.get("category") or {}
        if category.get("usageType") != "OnDemand":
            continue
        description = str(sku.get("description") or "")
        group = str(category.get("resourceGroup") or "")
        for family, (core, ram) in FAMILIES.items():
            if _named(description, core):
                _take(into, "vcpu_hour", family, sku)
            elif _named(description, ram):
                _take(into, "memory_gb_hour", family, sku)
        if group == "GPU":
            for gpu, name in GPUS.items():
                if _named(description, name):
                    _take(into, "gpu_hour", gpu, sku)
        if "Regional" not in description:
            for disk, name in DISKS.items():
                if _named(description, name):
                    _take(into, "disk_gb_month", disk, sku)


def read_dataproc(skus: Iterable[dict[str, Any]], into: CatalogPrices) -> None:
    """The Dataproc premium per vCPU-hour."""
    for sku in skus:
        if str(sku.get("description") or "").startswith(DATAPROC):
            priced = unit_price(sku)
            if priced and priced[1] == "h":
                into.dataproc_vcpu_hour = priced[0]
                into.skus["dataproc_vcpu_hour"] = [str(sku.get("skuId"))]


def _take(into: CatalogPrices, part: str, key: str, sku: dict[str, Any]) -> None:
    priced = unit_price(sku)
    if priced is None:
        into.skipped.append(f"{sku.get('skuId')} ({sku.get('description')}): no price")
        return
    amount, unit = priced
    if unit != _UNITS[part]:
        into.skipped.append(f"{sku.get('skuId')} ({sku.get('description')}): priced per {unit}, not {_UNITS[part]}")
        return
    into.put(part, key, sku, amount)


def table_json(
    found: CatalogPrices, previous: dict[str, Any], *, taken: str, source: str
) -> tuple[dict[str, Any], list[str]]:
    """The new table's JSON, and what it kept from ``previous`` because the catalog did not say."""
    kept: list[str] = []
    regions = {
        region: {part: dict(sorted(found.regions[region].get(part, {}).items())) for part in _UNITS}
        for region in sorted(found.regions)
        if found.regions[region].get("vcpu_hour")  # a place with machines, not only disks or GPUs
    }
    dataproc = found.dataproc_vcpu_hour
    if dataproc is None:
        dataproc = float(previous["dataproc_vcpu_hour"])
        kept.append("dataproc_vcpu_hour (no Dataproc CPU SKU in the answer)")
    # The Workbench management fee has no SKU this reader knows; it is kept from the previous table.
    kept.append("workbench_fee (kept from the previous table)")
    table = {
        "currency": "USD",
        "taken": taken,
        "compiled": f"by `notebook-bot prices refresh` from the Cloud Billing Catalog API ({source}); "
        "workbench_fee carried over from the previous table",
        "assumption": previous.get("assumption", "list prices, on demand, no discounts, no taxes"),
        "services": previous.get("services", {}),
        "dataproc_vcpu_hour": dataproc,
        "workbench_fee": previous.get("workbench_fee", {"vcpu_hour": 0.0, "gpu_hour": {}}),
        "regions": regions,
        "skus": dict(sorted(found.skus.items())),
    }
    return table, kept
