"""An onboarding-day burst: hundreds of pull requests from many threads, paced under GitHub's limits."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

from bot.infra.base import FileChange, PullRequest
from bot.infra.github import GitHubRepo
from bot.infra.github_auth import github_client
from bot.infra.pacing import Pacer
from tests.support.github_server import FakeClock, GitHubServer


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    most, first = 0, 0
    for last, t in enumerate(times):
        while times[first] <= t - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_a_burst_of_300_requests_from_20_threads_opens_300_pull_requests_within_github_limits() -> None:
    clock = FakeClock()
    with GitHubServer("acme/infra", clock=clock) as server:
        client = github_client(token="test-token", api_url=server.url, retries=2, backoff_factor=0.001)
        repo = GitHubRepo("acme/infra", github=client, pacer=Pacer(80, 500, clock=clock, sleep=clock.sleep))
        changes = [
            FileChange(
                branch=f"notebook-bot/req-{i:03d}",
                title=f"Environment {i}",
                body="",
                files={f"environments/req-{i:03d}.tf": f"n = {i}\n"},
            )
            for i in range(300)
        ]
        try:
            with ThreadPoolExecutor(max_workers=20) as pool:
                opened: list[PullRequest] = list(pool.map(repo.open_pull_request, changes))
        finally:
            repo.close()
            client.close()

    assert len(server.pulls) == 300
    assert sorted(p.branch for p in opened) == sorted(c.branch for c in changes)
    assert len({p.number for p in opened}) == 300
    for pull in server.pulls:  # each pull request carries its own file, not a neighbour's
        name = pull.branch.removeprefix("notebook-bot/")
        assert server.files_on(pull.branch)[f"environments/{name}.tf"].startswith("n = ")
    writes = [c.time for c in server.writes()]
    assert len(writes) == 1200
    assert most_in_any_window(writes, 60) <= 80
    assert most_in_any_window(writes, 3600) <= 500
    assert min(b - a for a, b in itertools.pairwise(writes)) >= 60 / 80 - 1e-9
    # 1200 writes at 500 an hour: the last ones wait for the second hour's budget to free up.
    assert writes[-1] - writes[0] >= 2 * 3600
