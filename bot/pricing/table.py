"""The price table: list prices per region for vCPUs, memory, GPUs and disks, with when and where from.

The table ships with the project (``bot/pricing/prices.json``) so estimates work offline;
``notebook-bot prices refresh`` rebuilds it from the Cloud Billing Catalog API. ``NOTEBOOK_BOT_PRICES``
names another table file to use instead (what ``prices refresh`` writes by default when set).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

PRICES_ENV = "NOTEBOOK_BOT_PRICES"


@dataclass(frozen=True)
class RegionPrices:
    """One region's unit prices: per vCPU-hour and GB-hour by machine family, per GPU-hour, per GB-month."""

    vcpu_hour: dict[str, float] = field(default_factory=dict)
    memory_gb_hour: dict[str, float] = field(default_factory=dict)
    gpu_hour: dict[str, float] = field(default_factory=dict)
    disk_gb_month: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PriceTable:
    """List prices, in one currency, taken on one date, from a stated source."""

    currency: str
    taken: str
    compiled: str
    regions: dict[str, RegionPrices]
    dataproc_vcpu_hour: float
    workbench_vcpu_hour: float
    workbench_gpu_hour: dict[str, float]
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PriceTable:
        """The table in ``data`` (the file's JSON); a missing part is a KeyError naming it."""
        regions = {
            name: RegionPrices(
                vcpu_hour=_floats(r.get("vcpu_hour", {})),
                memory_gb_hour=_floats(r.get("memory_gb_hour", {})),
                gpu_hour=_floats(r.get("gpu_hour", {})),
                disk_gb_month=_floats(r.get("disk_gb_month", {})),
            )
            for name, r in data["regions"].items()
        }
        fee = data.get("workbench_fee", {})
        return cls(
            currency=str(data["currency"]),
            taken=str(data["taken"]),
            compiled=str(data.get("compiled", "")),
            regions=regions,
            dataproc_vcpu_hour=float(data["dataproc_vcpu_hour"]),
            workbench_vcpu_hour=float(fee.get("vcpu_hour", 0.0)),
            workbench_gpu_hour=_floats(fee.get("gpu_hour", {})),
            raw=data,
        )

    def region(self, name: str) -> RegionPrices | None:
        return self.regions.get(name)

    def coverage(self) -> str:
        """One line: which regions, families, GPUs and disks the table prices, and its date."""
        families = sorted({f for r in self.regions.values() for f in r.vcpu_hour})
        gpus = sorted(
            {g.removeprefix("NVIDIA_").removeprefix("TESLA_") for r in self.regions.values() for g in r.gpu_hour}
        )
        disks = sorted({d for r in self.regions.values() for d in r.disk_gb_month})
        return (
            f"prices of {self.taken} ({self.currency}): regions {', '.join(sorted(self.regions))}; "
            f"families {', '.join(families)}; GPUs {', '.join(gpus)}; disks {', '.join(disks)}"
        )


def _floats(d: dict[str, Any]) -> dict[str, float]:
    return {str(k): float(v) for k, v in d.items()}


@lru_cache(maxsize=1)
def shipped_path() -> Path:
    """Where the table that ships with the project is."""
    return Path(str(resources.files("bot.pricing").joinpath("prices.json")))


def table_path() -> Path:
    """The table in use: ``$NOTEBOOK_BOT_PRICES`` when set, else the shipped one."""
    chosen = os.environ.get(PRICES_ENV)
    return Path(chosen) if chosen else shipped_path()


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> PriceTable:
    return PriceTable.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def load_prices(path: Path | None = None) -> PriceTable:
    """The price table at ``path`` (default: the one in use), read once per version of the file."""
    p = path or table_path()
    return _load(str(p), p.stat().st_mtime)
