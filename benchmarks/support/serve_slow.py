"""`notebook-bot serve`, exactly, with the infra repository slowed down by BENCH_REPO_DELAY seconds per PR."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from bot.infra.base import FileChange, PullRequest
from bot.infra.local_git import LocalGitRepo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for support.*
from support import serve_scaled, thread_names

_open = LocalGitRepo.open_pull_request


def _slow_open(self: LocalGitRepo, change: FileChange) -> PullRequest:
    time.sleep(float(os.environ.get("BENCH_REPO_DELAY", "2")))
    return _open(self, change)


LocalGitRepo.open_pull_request = _slow_open  # type: ignore[method-assign]

if __name__ == "__main__":
    from bot.cli import main

    # Imported for its patches: the rate budgets' clocks sped up by BENCH_TIME_SCALE when set (1: as they are).
    assert serve_scaled.SCALE > 0
    thread_names.install()  # so that the benchmark can tell the ack path's threads from the background's
    if os.environ.get("BENCH_SWITCH"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH"]))

    sys.exit(main(["serve", "--host", "127.0.0.1"]))
