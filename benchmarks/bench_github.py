"""GitHub backend figures, measured against the loopback GitHub server.

Run: ``python benchmarks/bench_github.py``.

1. GitHub calls and writes per pull request, counted from the server's call log.
2. Time to open 300 pull requests from 10 threads with GitHub's limits scaled up 100 times.
3. What the same burst costs at GitHub's real limits (80 writes a minute, 500 an hour), on a fake clock.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.infra.base import FileChange
from bot.infra.github import GitHubRepo
from bot.infra.github_auth import github_client
from bot.infra.pacing import Pacer
from tests.support.github_server import FakeClock, GitHubServer

PRS, THREADS, SCALE = 300, 10, 100


def change(i: int, **kw: object) -> FileChange:
    fields: dict[str, object] = {
        "branch": f"notebook-bot/req-{i:04d}",
        "title": f"Environment {i}",
        "body": "From Slack.",
        "files": {f"environments/req-{i:04d}.tf": f"n = {i}\n"},
    }
    return FileChange(**{**fields, **kw})  # type: ignore[arg-type]


def calls_per_pull_request() -> None:
    cases: dict[str, dict[str, object]] = {
        "files only": {},
        "labels + reviewers": {"labels": ("notebook-bot",), "reviewers": ("octocat",)},
        "removal (1 deletion)": {"files": {}, "deletions": ("environments/req-0000.tf",)},
    }
    with GitHubServer() as server:
        client = github_client(token="test-token", api_url=server.url)
        repo = GitHubRepo("acme/infra", github=client, pacer=Pacer.scaled(1000))
        server.merge(repo.open_pull_request(change(0)).number)
        for i, (name, extra) in enumerate(cases.items(), start=1):
            server.calls.clear()
            repo.open_pull_request(change(i, **extra))
            print(f"  {name:<22} {len(server.calls)} calls, {len(server.writes())} writes")
        repo.close()
        client.close()


def burst() -> None:
    with GitHubServer() as server:
        client = github_client(token="test-token", api_url=server.url)
        repo = GitHubRepo("acme/infra", github=client, pacer=Pacer.scaled(SCALE))
        start = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            opened = list(pool.map(repo.open_pull_request, (change(i) for i in range(PRS))))
        elapsed = time.perf_counter() - start
        repo.close()
        client.close()
        writes = [c.time for c in server.writes()]
        per_minute = 80 * SCALE
        busiest = max(sum(1 for t in writes if s <= t < s + 60) for s in writes)
        print(
            f"  {len(opened)} pull requests ({len(server.pulls)} on the server), {len(writes)} writes, "
            f"{len(server.calls)} calls in {elapsed:.2f} s = {len(opened) / elapsed:.0f} PR/s"
        )
        print(f"  busiest minute: {busiest} writes (limit {per_minute}); pacer waited {repo.pacer.waited:.2f} s")


def at_real_limits(writes: int) -> None:
    clock = FakeClock(0)
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    sent = [pacer.write(clock) for _ in range(writes)]
    print(
        f"  {writes} writes ({writes // 4} pull requests) at 80/min and 500/h: last write after "
        f"{sent[-1] / 60:.0f} min ({sent[-1] / 3600:.2f} h)"
    )


if __name__ == "__main__":
    print("GitHub calls per pull request:")
    calls_per_pull_request()
    print(f"Burst: {PRS} pull requests from {THREADS} threads, GitHub's limits x{SCALE}:")
    burst()
    print("The same burst at GitHub's real limits (fake clock):")
    at_real_limits(PRS * 4)
