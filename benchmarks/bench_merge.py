"""From the Approve click to the URL in the owner's DM: ``repo.merge: manual`` (a reviewer who merges the
moment the pull request appears) against ``repo.merge: when_checks_pass`` (the bot merges once the plan
passed), and the GitHub calls and writes the bot's merging adds per request.

Run: ``.venv/bin/python benchmarks/bench_merge.py [RUNS]`` (default 3 per mode). The bot is the real app over
HTTP with signed Slack requests and signed GitHub webhooks, on SQLite, against the loopback GitHub with
GitHub's write pacing (80 writes a minute: one every 0.75 s). The pipeline is scripted: the plan sets
``notebook-bot/plan`` 2 s after the pull request is opened; the apply takes 1 s after the merge, then Google
has the environment and ``notebook-bot/apply`` says success. Each status comes with its ``status`` webhook.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.cloud.simulated import SimulatedCloud
from bot.domain.request import PullRequestRef
from bot.domain.states import State
from bot.infra.base import APPLY, PLAN
from bot.infra.github import GitHubRepo
from bot.infra.github_auth import github_client
from bot.infra.pacing import Pacer
from bot.slack.ids import Action
from bot.store.sqlite import SqliteStore
from tests.support.github_server import GitHubServer
from tests.support.github_webhook import post_webhook, pull_request_closed, status_event
from tests.support.harness import ADMIN, ALICE, Harness, running_bot
from tests.support.pipeline import merging_policy

PLAN_SECONDS = 2.0
APPLY_SECONDS = 1.0
SECRET = "whsec-bench"
REPO = "acme/infra"


@dataclass
class ScriptedPipeline:
    """CI and (in manual mode) a reviewer, acting on what the loopback GitHub holds."""

    github: GitHubServer
    manual: bool
    # The reviewer merges as soon as the bot says the pull request is open (the owner's DM shows it).
    announced: Callable[[str], bool] = lambda branch: True
    applied: set[str] = field(default_factory=set)
    bot_url: str = ""
    _opened: dict[int, float] = field(default_factory=dict)
    _planned: set[int] = field(default_factory=set)
    _merged_at: dict[int, float] = field(default_factory=dict)
    applied_numbers: set[int] = field(default_factory=set)
    _deliveries: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _hook(self, payload: dict[str, object], event: str) -> None:
        self._deliveries += 1
        post_webhook(self.bot_url, payload, secret=SECRET, delivery=f"ci-{self._deliveries}", event=event)

    def _tick(self) -> None:
        now = time.monotonic()
        for pull in list(self.github.pulls):
            self._opened.setdefault(pull.number, now)
            if self.manual and pull.state == "open" and self.announced(pull.branch):  # the reviewer, at once
                self.github.merge(pull.number)
                ref = PullRequestRef(pull.number, f"{self.github.url}/{REPO}/pull/{pull.number}", pull.branch)
                self._hook(pull_request_closed(ref, merged=True, repo=REPO), "pull_request")
            if pull.number not in self._planned and now - self._opened[pull.number] >= PLAN_SECONDS:
                self._planned.add(pull.number)
                self._status(pull.head_sha, PLAN, (pull.branch,))
            if pull.merged:
                merged_at = self._merged_at.setdefault(pull.number, now)
                if now - merged_at >= APPLY_SECONDS and pull.number not in self.applied_numbers:
                    self.applied_numbers.add(pull.number)
                    self.applied.update(self.github.files_on(pull.base))
                    self._status(pull.merge_sha, APPLY, (pull.base,))

    def _status(self, sha: str, context: str, branches: tuple[str, ...]) -> None:
        made = self.github.set_status(sha, context, "success", "ok", "https://github.com/acme/infra/actions/runs/1")
        self._hook(status_event(sha, context, "success", branches=branches, status_id=made["id"]), "status")

    def run(self) -> None:
        while not self._stop.is_set():
            self._tick()
            time.sleep(0.01)

    @contextmanager
    def running(self) -> Iterator[None]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join(5)


@dataclass
class Figures:
    seconds: float
    calls: int
    writes: int
    merges: int


def one_request(tmp: Path, merge: str) -> Figures:
    """One request, from the Approve click to the URL DM."""
    with GitHubServer(REPO, token="ghp_bench") as github:
        client = github_client(token="ghp_bench", api_url=github.url, retries=1, backoff_factor=0.001)
        repo = GitHubRepo(REPO, github=client, pacer=Pacer())
        ci = ScriptedPipeline(github, manual=merge == "manual")

        def cloud(_repo: object) -> SimulatedCloud:
            return SimulatedCloud(lambda path: path in ci.applied)

        env = {"GITHUB_WEBHOOK_SECRET": SECRET, "NOTEBOOK_BOT_REPO": f"github:{REPO}"}
        store = SqliteStore(str(tmp / "state.db"))
        with running_bot(tmp, store, policy=merging_policy(merge), repo=repo, cloud=cloud, env=env) as bot:
            ci.bot_url = bot.server.url
            bot.ask(ALICE)
            request = bot.only_request(ALICE)

            def announced(branch: str) -> bool:
                current = bot.store.get(request.id)
                return current is not None and current.state == State.PR_OPEN

            ci.announced = announced
            before = len(github.calls)
            with ci.running():
                start = time.monotonic()
                bot.send.click(ADMIN.id, Action.APPROVE.value, request.id)
                seconds = wait_for_url(bot, start)
            bot.settle()
            calls = github.calls[before:]
        repo.close()
        client.close()
        store.close()
        merges = sum(1 for c in calls if c.method == "PUT" and c.path.endswith("/merge"))
        return Figures(seconds, len(calls), sum(1 for c in calls if c.is_write), merges)


def wait_for_url(bot: Harness, start: float, timeout: float = 60.0) -> float:
    while time.monotonic() - start < timeout:
        if any("Open JupyterLab" in str(m.get("blocks")) for m in bot.messages_to(ALICE.id)):
            return time.monotonic() - start
        time.sleep(0.005)
    raise SystemExit(f"the URL did not arrive within {timeout:.0f} s")


def main(runs: int) -> None:
    print("Approve click → URL DM: repo.merge manual (a reviewer merging at once) vs when_checks_pass (the bot)")
    print(f"plan {PLAN_SECONDS:g} s after the PR opens · apply {APPLY_SECONDS:g} s · GitHub pacing 0.75 s/write")
    results: dict[str, list[Figures]] = {}
    for merge in ("manual", "when_checks_pass"):
        results[merge] = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory(prefix="bench-merge-") as tmp:
                results[merge].append(one_request(Path(tmp), merge))
    for merge, figures in results.items():
        secs = [f.seconds for f in figures]
        f = figures[0]
        print(
            f"{merge:<17} Approve → URL DM: median {statistics.median(secs):.2f} s (min {min(secs):.2f}, "
            f"max {max(secs):.2f}, {runs} runs) · bot's GitHub calls {f.calls}, writes {f.writes}, merges {f.merges}"
        )
    manual, auto = results["manual"][0], results["when_checks_pass"][0]
    print(
        f"merging by the bot adds per request: {auto.calls - manual.calls} GitHub call(s), "
        f"{auto.writes - manual.writes} write(s) (the merge; combined-status reads are the other calls)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
