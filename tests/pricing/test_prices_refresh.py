"""`notebook-bot prices refresh` against a loopback Cloud Billing Catalog API: pages, SKU JSON, bad days."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.credentials import AnonymousCredentials

from bot.pricing.estimate import Shape, Usage, estimate
from bot.pricing.refresh import COMPUTE_SERVICE, DATAPROC_SERVICE, RefreshFailed, google_call, refresh
from bot.pricing.table import load_prices, shipped_path
from tests.support.billing_server import ACCESS_TOKEN, BadAnswer, BillingServer, sku
from tests.support.google_faults import google_error

ROOT = Path(__file__).resolve().parents[2]
EU = ["europe-west1"]
COMPUTE = [
    sku("9A1B-0001-0001", "E2 Instance Core running in Belgium", "CPU", EU, 0.0239),
    sku("9A1B-0001-0002", "E2 Instance Ram running in Belgium", "RAM", EU, 0.0032, "GiBy.h"),
    sku(
        "9A1B-0001-0003",
        "Spot Preemptible E2 Instance Core running in Belgium",
        "CPU",
        EU,
        0.007,
        usage_type="Preemptible",
    ),
    sku("9A1B-0001-0004", "Commitment v1: E2 Cpu in Belgium for 1 Year", "CPU", EU, 0.015, usage_type="Commit1Yr"),
    sku(
        "9A1B-0002-0001",
        "N1 Predefined Instance Core running in Americas",
        "N1Standard",
        ["us-central1", "us-east1"],
        0.031611,
    ),
    sku(
        "9A1B-0002-0002",
        "N1 Predefined Instance Ram running in Americas",
        "N1Standard",
        ["us-central1", "us-east1"],
        0.004237,
        "GiBy.h",
    ),
    sku("9A1B-0003-0001", "Nvidia Tesla T4 GPU running in Americas", "GPU", ["us-central1"], 0.35),
    sku("9A1B-0003-0002", "Nvidia Tesla A100 80GB GPU running in Americas", "GPU", ["us-central1"], 3.93),
    sku("9A1B-0004-0001", "Balanced PD Capacity in Belgium", "SSD", EU, 0.1, "GiBy.mo"),
    sku("9A1B-0004-0002", "Regional Balanced PD Capacity in Belgium", "SSD", EU, 0.2, "GiBy.mo"),
    sku("9A1B-0004-0003", "Storage PD Capacity in Belgium", "PDStandard", EU, 0.04, "GiBy.mo"),
]
# What the Catalog API answers when a project reads too fast.
RATE_LIMITED = google_error(
    429,
    "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service "
    "'cloudbilling.googleapis.com' for consumer 'project_number:123'.",
    "RESOURCE_EXHAUSTED",
    [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "service": "cloudbilling.googleapis.com",
                "quota_metric": "cloudbilling.googleapis.com/read_requests",
            },
        }
    ],
)
DATAPROC = [
    sku(
        "5C2D-0001-0001",
        "Licensing Fee for Google Cloud Dataproc (CPU cost)",
        "Google",
        ["global"],
        0.01,
        service="Cloud Dataproc",
    ),
]


@pytest.fixture
def billing():
    with BillingServer({COMPUTE_SERVICE: COMPUTE, DATAPROC_SERVICE: DATAPROC}, page_size=3) as server:
        yield server


def _refresh(billing: BillingServer, out: Path, sleeps: list[float] | None = None):
    call = google_call(credentials=AnonymousCredentials(), sleep=(sleeps if sleeps is not None else []).append)
    return refresh(out, shipped_path(), call=call, base_url=billing.url, today="2026-11-30")


def test_refresh_reads_every_page_and_writes_a_table_estimates_use(billing: BillingServer, tmp_path: Path) -> None:
    out = tmp_path / "prices.json"
    table, notes = _refresh(billing, out)
    calls = billing.sku_calls()
    assert len(calls) == 4 + 1  # 11 compute SKUs in pages of 3, then one page of Dataproc
    assert "pageToken=3" in calls[1] and "currencyCode=USD" in calls[0]
    eu = table["regions"]["europe-west1"]
    assert eu["vcpu_hour"] == {"e2": 0.0239} and eu["memory_gb_hour"] == {"e2": 0.0032}  # not spot, not commitment
    assert eu["disk_gb_month"] == {"pd-balanced": 0.1, "pd-standard": 0.04}  # not the regional disk
    us = table["regions"]["us-central1"]
    assert us["gpu_hour"] == {"NVIDIA_A100_80GB": 3.93, "NVIDIA_TESLA_T4": 0.35}
    assert table["regions"]["us-east1"]["vcpu_hour"] == {"n1": 0.031611}
    assert table["skus"]["vcpu_hour/e2"] == ["9A1B-0001-0001"] and table["dataproc_vcpu_hour"] == 0.01
    assert table["taken"] == "2026-11-30" and "Cloud Billing Catalog API" in table["compiled"]
    assert any("workbench_fee" in n for n in notes)
    prices = load_prices(out)
    e = estimate(
        Shape("workbench", (("e2-standard-4", 1),), disks=(("pd-balanced", 100),)), "europe-west1", Usage(), prices
    )
    assert e.priced and e.running_hourly == pytest.approx(4 * 0.0239 + 16 * 0.0032 + 4 * prices.workbench_vcpu_hour)


def test_a_bad_day_rate_limits_and_5xx_are_waited_out(billing: BillingServer, tmp_path: Path) -> None:
    billing.bad = [
        BadAnswer(429, RATE_LIMITED, {"Retry-After": "7"}),
        BadAnswer(503, google_error(503, "The service is currently unavailable."), times=2),
    ]
    sleeps: list[float] = []
    table, _ = _refresh(billing, tmp_path / "prices.json", sleeps)
    assert 7 in sleeps and len(sleeps) == 3
    assert table["regions"]["europe-west1"]["vcpu_hour"] == {"e2": 0.0239}


def test_a_refusal_is_one_line_and_leaves_the_table_as_it_was(billing: BillingServer, tmp_path: Path) -> None:
    out = tmp_path / "prices.json"
    out.write_text('{"keep": "me"}')
    billing.bad = [
        BadAnswer(403, google_error(403, "Cloud Billing API has not been used in project 123.", "PERMISSION_DENIED"))
    ]
    with pytest.raises(RefreshFailed, match=r"answered 403 PERMISSION_DENIED: Cloud Billing API .*enable cloudbilling"):
        _refresh(billing, out)
    assert out.read_text() == '{"keep": "me"}'


def test_endless_5xx_gives_up_without_touching_the_table(billing: BillingServer, tmp_path: Path) -> None:
    billing.bad = [BadAnswer(500, google_error(500, "Internal error."), times=50)]
    out = tmp_path / "prices.json"
    with pytest.raises(RefreshFailed, match="500 INTERNAL"):
        _refresh(billing, out)
    assert not out.exists()


def test_the_command_authenticates_with_google_auth_and_writes_the_file(billing: BillingServer, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    account = tmp_path / "sa.json"
    account.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "acme-analytics",
                "private_key_id": "k1",
                "private_key": pem.decode(),
                "client_email": "notebook-bot@acme-analytics.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"{billing.url}/token",
            }
        )
    )
    out = tmp_path / "prices.json"
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "GOOGLE_APPLICATION_CREDENTIALS": str(account),
        "CLOUDBILLING_API_URL": billing.url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "prices", "refresh", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"{out}: 3 region(s)" in done.stdout
    assert all(
        {k.lower(): v for k, v in h.items()}.get("authorization") == f"Bearer {ACCESS_TOKEN}"
        for m, _, h in billing.requests
        if m == "GET"
    )
    assert json.loads(out.read_text())["regions"]["europe-west1"]["vcpu_hour"] == {"e2": 0.0239}
    billing.bad = [BadAnswer(403, google_error(403, "The caller does not have permission", "PERMISSION_DENIED"))]
    refused = subprocess.run(
        [sys.executable, "-m", "bot", "prices", "refresh", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "403 PERMISSION_DENIED" in refused.stderr and "the price table is unchanged" in refused.stderr
