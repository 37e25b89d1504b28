"""`check-config` warns (and still passes) when the price table cannot price a template."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICY = """
gcp: {project: acme-analytics, region: REGION, zones: [REGION-b]}
slack: {admin_channel: C0ADMINS, admins: [U0ADMIN1]}
identity: {allowed_domains: [example.com]}
templates:
  - {id: cpu-small, title: CPU, kind: workbench, machine_type: e2-standard-4}
  - {id: huge, title: Huge, kind: workbench, machine_type: m1-megamem-96}
"""


def check(tmp_path: Path, region: str) -> subprocess.CompletedProcess[str]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY.replace("REGION", region))
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "NOTEBOOK_BOT_CONFIG": str(policy)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "check-config", "--policy-only"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def test_an_unpriced_machine_type_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    done = check(tmp_path, "europe-west1")
    assert done.returncode == 0, done.stdout + done.stderr
    warnings = [line for line in done.stdout.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "templates[huge]: no price for machine type m1-megamem-96" in warnings[0]
    assert "OK" in done.stdout


def test_an_unpriced_region_warns_for_every_template(tmp_path: Path) -> None:
    done = check(tmp_path, "asia-south1")
    assert done.returncode == 0
    assert "templates[cpu-small]: no price for region asia-south1" in done.stdout


def test_the_shipped_policies_are_fully_priced() -> None:
    for policy in (None, ROOT / "deploy" / "policy.example.yaml"):
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)} | (
            {"NOTEBOOK_BOT_CONFIG": str(policy)} if policy else {}
        )
        done = subprocess.run(
            [sys.executable, "-m", "bot", "check-config", "--policy-only"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0 and "warning:" not in done.stdout, done.stdout
