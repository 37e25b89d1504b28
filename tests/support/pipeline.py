"""The bot on the loopback GitHub, with the infrastructure pipeline played by the test: it sets the
``notebook-bot/plan`` and ``notebook-bot/apply`` commit statuses and sends the signed ``status`` webhook, as
GitHub does when a workflow sets a status."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.cloud.simulated import SimulatedCloud
from bot.config.load import load_policy
from bot.config.policy import Policy
from bot.domain.request import EnvironmentRequest
from bot.infra.base import APPLY, PLAN, InfraRepo
from bot.infra.github import GitHubRepo
from bot.infra.github_auth import github_client
from bot.infra.pacing import Pacer
from bot.store.base import Store
from tests.support.github_server import GitHubServer
from tests.support.github_webhook import post_webhook, pull_request_closed, status_event
from tests.support.harness import Harness, running_bot

SECRET = "whsec-pipeline"
REPO = "acme/infra"
RUN = "https://github.com/acme/infra/actions/runs/4242"
TERRAFORM_ERROR = (
    "Error: Error creating Instance: googleapi: Error 429: Quota 'NVIDIA_T4_GPUS' exceeded. Limit: 0.0 in "
    "region europe-west1."
)


def merging_policy(merge: str = "when_checks_pass", **repo: Any) -> Policy:
    base = load_policy(None)
    return base.model_copy(update={"repo": base.repo.model_copy(update={"merge": merge, **repo})})


@dataclass
class Pipeline:
    """The bot, the loopback GitHub, and the switch that says whether Google has created what was applied."""

    bot: Harness
    github: GitHubServer
    applied: threading.Event
    kept: set[str]  # paths whose resources Google still has, whatever the base branch says
    deliveries: int = 0

    def pull_request(self, request_id: str) -> Any:
        current = self.bot.store.get(request_id)
        assert current is not None and current.pull_request is not None, current
        pull = self.github.pull_for(current.pull_request.branch)
        assert pull is not None
        return pull

    def webhook(self, payload: dict[str, Any], event: str) -> int:
        self.deliveries += 1
        status, _ = post_webhook(
            self.bot.server.url, payload, secret=SECRET, delivery=f"d-{self.deliveries}", event=event
        )
        self.bot.settle()
        return status

    def plan(self, request_id: str, state: str, description: str = "", *, webhook: bool = True) -> None:
        """The plan job finished on the pull request's head commit."""
        pull = self.pull_request(request_id)
        status = self.github.set_status(pull.head_sha, PLAN, state, description, RUN)
        if webhook:
            event = status_event(
                pull.head_sha,
                PLAN,
                state,
                description=description,
                target_url=RUN,
                branches=(pull.branch,),
                status_id=status["id"],
            )
            # GitHub sends "pending" too; the bot acknowledges and ignores it.
            assert self.webhook(event, "status") == (200 if state == "pending" else 202)

    def apply(self, sha: str, state: str, description: str = "", *, webhook: bool = True) -> None:
        """The apply job finished on merged commit ``sha``."""
        status = self.github.set_status(sha, APPLY, state, description, RUN)
        if webhook:
            event = status_event(
                sha,
                APPLY,
                state,
                description=description,
                target_url=RUN,
                branches=("main",),
                status_id=status["id"],
            )
            assert self.webhook(event, "status") == 202

    def merge_by_hand(self, request: EnvironmentRequest) -> str:
        """A reviewer merges on GitHub, and GitHub says so with the pull_request webhook; the merged commit."""
        current = self.bot.store.get(request.id)
        assert current is not None and current.pull_request is not None
        pull = self.pull_request(request.id)
        self.github.merge(pull.number)
        assert self.webhook(pull_request_closed(current.pull_request, merged=True, repo=REPO), "pull_request") == 202
        return str(pull.merge_sha)


@contextmanager
def pipeline(tmp_path: Path, store: Store, policy: Policy, **kwargs: Any) -> Iterator[Pipeline]:
    """The bot wired to a loopback GitHub (token auth, signed webhooks) and a simulated Google that has an
    environment once its file is on the base branch and ``applied`` is set (or while its path is ``kept``)."""
    applied = threading.Event()
    kept: set[str] = set()
    with GitHubServer(REPO, token="ghp_test") as github:
        client = github_client(token="ghp_test", api_url=github.url, retries=1, backoff_factor=0.001)
        repo = GitHubRepo(REPO, github=client, pacer=Pacer.scaled(1000))

        def cloud(the_repo: InfraRepo) -> SimulatedCloud:
            return SimulatedCloud(lambda path: path in kept or (applied.is_set() and the_repo.exists_on_base(path)))

        env = {"GITHUB_WEBHOOK_SECRET": SECRET, "NOTEBOOK_BOT_REPO": f"github:{REPO}"}
        try:
            with running_bot(tmp_path, store, policy=policy, repo=repo, cloud=cloud, env=env, **kwargs) as bot:
                yield Pipeline(bot, github, applied, kept)
        finally:
            repo.close()
            client.close()
