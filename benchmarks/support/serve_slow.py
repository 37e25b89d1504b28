"""`notebook-bot serve`, exactly, with the infra repository slowed down by BENCH_REPO_DELAY seconds per PR and
the rate budgets' clocks sped up by BENCH_TIME_SCALE when set (in the server and in the worker process it starts:
``slow_scaled/sitecustomize.py``, which both load)."""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for support.*
from support import thread_names

if __name__ == "__main__":
    patches = Path(__file__).resolve().parent / "slow_scaled"
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(patches), os.environ.get("PYTHONPATH")) if p)
    os.environ["SLOW_REPO_DELAY"] = os.environ.get("BENCH_REPO_DELAY", "2")
    runpy.run_path(str(patches / "sitecustomize.py"))  # this process's patches, as its worker's

    from bot.cli import main

    thread_names.install()  # so that the benchmark can tell the ack path's threads from the background's
    if os.environ.get("BENCH_SWITCH"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH"]))

    sys.exit(main(["serve", "--host", "127.0.0.1"]))
