"""Loaded by every Python process whose PYTHONPATH starts here (sitecustomize): `notebook-bot serve` AND the
worker process it starts. With SLOW_REPO_CONTROL=<folder>, the local infra repository opens a pull request
only while no file ``hold`` is in that folder, and says in that folder who started and who opened what:
``started-<pid>`` when a process begins opening one, one line in ``opened.log`` per pull request opened.
With SLOW_REPO_DELAY=<seconds>, each pull request takes that much longer (benchmarks: a slow GitHub)."""

from __future__ import annotations

import os
import time
from pathlib import Path

_control = os.environ.get("SLOW_REPO_CONTROL")
_delay = float(os.environ.get("SLOW_REPO_DELAY") or 0)

if _control or _delay:
    from bot.infra.local_git import LocalGitRepo

    _open = LocalGitRepo.open_pull_request

    def _slow_open(self, change):  # type: ignore[no-untyped-def]
        if _delay:
            time.sleep(_delay)
        if _control:
            folder = Path(_control)
            (folder / f"started-{os.getpid()}").write_text(change.branch)
            while (folder / "hold").exists():
                time.sleep(0.02)
        pr = _open(self, change)
        if _control:
            with (Path(_control) / "opened.log").open("a") as log:
                log.write(f"{os.getpid()} {change.branch}\n")
        return pr

    LocalGitRepo.open_pull_request = _slow_open  # type: ignore[method-assign]
