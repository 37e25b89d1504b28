"""Loaded by every Python process whose PYTHONPATH starts here (sitecustomize): `notebook-bot serve` and the
worker process it starts. Both patches at once: the infra repository slowed by SLOW_REPO_DELAY seconds per pull
request (tests/support/slow_repo) and the rate budgets' clocks sped up by BENCH_TIME_SCALE (../scaled)."""

from __future__ import annotations

import runpy
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[3]
runpy.run_path(str(_ROOT / "tests" / "support" / "slow_repo" / "sitecustomize.py"))
runpy.run_path(str(_ROOT / "benchmarks" / "support" / "scaled" / "sitecustomize.py"))
