"""`notebook-bot serve`, exactly, with the infra repository slowed down by BENCH_REPO_DELAY seconds per PR
(in the server and in the worker process it starts)."""

from __future__ import annotations

import os
import sys
import time

from bot.infra.base import FileChange, PullRequest
from bot.infra.local_git import LocalGitRepo

_open = LocalGitRepo.open_pull_request


def _slow_open(self: LocalGitRepo, change: FileChange) -> PullRequest:
    time.sleep(float(os.environ.get("BENCH_REPO_DELAY", "2")))
    return _open(self, change)


LocalGitRepo.open_pull_request = _slow_open  # type: ignore[method-assign]

if __name__ == "__main__":
    from pathlib import Path

    from bot.cli import main

    # The worker process serve starts opens the pull requests: it is slowed the same way (a sitecustomize).
    slow = Path(__file__).resolve().parents[2] / "tests" / "support" / "slow_repo"
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(slow), os.environ.get("PYTHONPATH")) if p)
    os.environ["SLOW_REPO_DELAY"] = os.environ.get("BENCH_REPO_DELAY", "2")

    if os.environ.get("BENCH_SWITCH"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH"]))

    sys.exit(main(["serve", "--host", "127.0.0.1"]))
