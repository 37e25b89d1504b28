"""`notebook-bot serve`, exactly, with every rate budget's clock sped up by BENCH_TIME_SCALE, in the server and
in the worker process it starts (the patch is ``scaled/sitecustomize.py``, which both load)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    scaled = Path(__file__).resolve().parent / "scaled"
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(scaled), os.environ.get("PYTHONPATH")) if p)
    sys.path.insert(0, str(scaled))
    import sitecustomize  # noqa: F401 - this process's budgets, scaled as its worker's are

    from bot.cli import main

    sys.exit(main(["serve", "--host", "127.0.0.1"]))
