"""Estimates an admin can check by hand against the price table: per hour running, per month stopped, per
month as used (with the stated assumption), for Workbench with and without GPUs and for Dataproc."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config.load import load_policy, parse_policy
from bot.pricing.estimate import Shape, Usage, estimate, money
from bot.pricing.machines import machine_shape
from bot.pricing.quote import cost_decision, quote
from bot.pricing.table import PriceTable, load_prices

ROOT = Path(__file__).resolve().parents[2]
TABLE = PriceTable.from_json(
    {
        "currency": "USD",
        "taken": "2026-01-01",
        "dataproc_vcpu_hour": 0.01,
        "workbench_fee": {"vcpu_hour": 0.005, "gpu_hour": {"NVIDIA_TESLA_T4": 0.035}},
        "regions": {
            "r1": {
                "vcpu_hour": {"e2": 0.02, "n1": 0.03, "n2": 0.03, "a2": 0.03},
                "memory_gb_hour": {"e2": 0.003, "n1": 0.004, "n2": 0.004, "a2": 0.004},
                "gpu_hour": {"NVIDIA_TESLA_T4": 0.35, "NVIDIA_TESLA_A100": 2.9},
                "disk_gb_month": {"pd-standard": 0.04, "pd-balanced": 0.1},
            }
        },
    }
)
USAGE = Usage(hours_per_day=8, days_per_month=21, idle_minutes=60, lifetime_days=30)


def test_machine_types_are_billed_as_their_vcpus_memory_and_bundled_gpus() -> None:
    assert machine_shape("e2-standard-4") is not None
    shapes = {t: machine_shape(t) for t in ("e2-standard-4", "n1-standard-8", "n2-highmem-4", "e2-medium")}
    assert {t: (s.family, s.vcpus, s.memory_gb) for t, s in shapes.items() if s} == {
        "e2-standard-4": ("e2", 4, 16),
        "n1-standard-8": ("n1", 8, 30),
        "n2-highmem-4": ("n2", 4, 32),
        "e2-medium": ("e2", 1, 4),
    }
    a2 = machine_shape("a2-highgpu-1g")
    g2 = machine_shape("g2-standard-24")
    assert a2 is not None and (a2.vcpus, a2.memory_gb, a2.gpu_type, a2.gpu_count) == (12, 85, "NVIDIA_TESLA_A100", 1)
    assert g2 is not None and (g2.vcpus, g2.memory_gb, g2.gpu_type, g2.gpu_count) == (24, 96, "NVIDIA_L4", 2)
    assert machine_shape("n2-custom-6-24576") is not None
    assert machine_shape("zz9-mega-1") is None and machine_shape("a2-highgpu-3g") is None


def test_a_workbench_gpu_notebook_costs_its_machine_gpu_management_fee_and_disks() -> None:
    shape = Shape("workbench", (("n1-standard-8", 1),), "NVIDIA_TESLA_T4", 1, (("pd-balanced", 250),))
    e = estimate(shape, "r1", USAGE, TABLE)
    machine = 8 * 0.03 + 30 * 0.004
    assert e.running_hourly == pytest.approx(machine + 0.35 + 8 * 0.005 + 0.035)
    assert e.stopped_monthly == pytest.approx(25.0)
    assert e.monthly == pytest.approx(e.running_hourly * 21 * 9 + 25.0)
    assert e.priced and e.usage.sentence().startswith("assumes 8 working hours a day on 21 days a month")


def test_a_dataproc_cluster_costs_master_workers_premium_and_all_disks() -> None:
    shape = Shape("dataproc", (("n2-standard-4", 1), ("n2-standard-4", 3)), disks=(("pd-standard", 100 + 3 * 200),))
    e = estimate(shape, "r1", USAGE, TABLE)
    vm = 4 * 0.03 + 16 * 0.004
    assert e.running_hourly == pytest.approx(4 * vm + 16 * 0.01)
    assert e.stopped_monthly == pytest.approx(700 * 0.04)


def test_a_short_lifetime_counts_only_its_days() -> None:
    shape = Shape("workbench", (("e2-standard-4", 1),), disks=(("pd-balanced", 100),))
    month = estimate(shape, "r1", USAGE, TABLE)
    week = estimate(shape, "r1", Usage(8, 21, 60, lifetime_days=6), TABLE)
    assert week.monthly == pytest.approx(month.monthly * 6 / 30)
    assert "for its 6-day lifetime; disks all that time" in week.usage.sentence()


def test_what_the_table_lacks_is_named_and_never_priced_as_zero() -> None:
    shape = Shape("workbench", (("c2-standard-4", 1),), "NVIDIA_L4", 1, (("pd-ssd", 10),))
    e = estimate(shape, "r1", USAGE, TABLE)
    assert not e.priced
    assert e.unpriced == ("C2 machines in r1", "GPU NVIDIA_L4 in r1", "disk pd-ssd in r1")
    assert estimate(shape, "mars-north1", USAGE, TABLE).unpriced[0] == "region mars-north1"


def test_money_reads_like_money() -> None:
    assert (money(0.1674, "USD"), money(1234.5, "USD"), money(3.5, "EUR")) == ("$0.17", "$1,234", "3.50 EUR")


@pytest.mark.parametrize("policy_file", [None, ROOT / "deploy" / "policy.example.yaml"])
def test_the_shipped_table_prices_every_shipped_template(policy_file: Path | None) -> None:
    policy = load_policy(policy_file)
    for template in policy.templates:
        e = quote(policy, template)
        assert e.priced, (template.id, e.unpriced)
        assert 0.05 < e.running_hourly < 5 and e.stopped_monthly > 0


def test_the_shipped_table_says_when_and_where_from_and_covers_the_common_gpus_and_disks() -> None:
    table = load_prices()
    raw = json.loads((ROOT / "bot" / "pricing" / "prices.json").read_text())
    assert raw["taken"] and "by hand" in raw["compiled"] and raw["skus"]
    us = table.regions["us-central1"]
    assert {"e2", "n1", "n2", "n2d", "c2", "a2", "g2"} <= set(us.vcpu_hour) == set(us.memory_gb_hour)
    assert {"NVIDIA_TESLA_T4", "NVIDIA_L4", "NVIDIA_TESLA_V100", "NVIDIA_TESLA_P100", "NVIDIA_TESLA_A100"} <= set(
        us.gpu_hour
    )
    assert set(us.disk_gb_month) == {"pd-standard", "pd-balanced", "pd-ssd"}
    assert {"us-central1", "europe-west1", "europe-west4", "us-east1"} <= set(table.regions)
    # The A2 list price is the check on the hand-compiled unit prices: 12 vCPUs, 85 GB and one A100.
    a2 = 12 * us.vcpu_hour["a2"] + 85 * us.memory_gb_hour["a2"] + us.gpu_hour["NVIDIA_TESLA_A100"]
    assert a2 == pytest.approx(3.673385, abs=1e-5)


_LIMITS = """
gcp: {project: acme-analytics, region: europe-west1, zones: [europe-west1-b]}
slack: {admin_channel: C0ADMINS, admins: [U0ADMIN1]}
identity: {allowed_domains: [example.com]}
costs: {auto_approve_below_monthly: 80, refuse_above_monthly: 120}
templates:
  - {id: cpu-small, title: CPU, kind: workbench, machine_type: e2-standard-4}
  - {id: big, title: Big, kind: workbench, machine_type: n2-standard-8}
  - {id: odd, title: Odd, kind: workbench, machine_type: m1-megamem-96}
"""


def test_cost_limits_approve_cheap_ask_for_dearer_and_refuse_above_the_cap() -> None:
    policy = parse_policy(_LIMITS)
    cheap, big, odd = policy.templates
    assert cost_decision(quote(policy, cheap), policy).verdict == "auto"
    assert cost_decision(quote(policy, cheap, idle_minutes=600), policy).verdict == "approval"
    refused = cost_decision(quote(policy, big), policy)
    assert refused.verdict == "refuse" and "above the $120 limit" in refused.reason
    unknown = cost_decision(quote(policy, odd), policy)
    assert unknown.verdict == "approval" and "machine type m1-megamem-96" in unknown.reason


def test_cost_limits_in_the_wrong_order_are_refused_naming_the_keys() -> None:
    with pytest.raises(Exception, match=r"auto_approve_below_monthly .* is above refuse_above_monthly"):
        parse_policy(_LIMITS.replace("refuse_above_monthly: 120", "refuse_above_monthly: 10"))
