"""The whole flow on the production backends: Firestore (the emulator), GitHub (a loopback server that speaks
its REST API, merged by a reviewer, announced by a signed webhook) and Google's Notebooks API (loopback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials

from bot.cloud.gcp import GcpCloud
from bot.domain.states import State
from bot.infra.github import GitHubRepo
from bot.infra.github_auth import github_client
from bot.infra.pacing import Pacer
from bot.store.base import Store
from tests.support.github_server import GitHubServer
from tests.support.github_webhook import post_webhook, pull_request_closed
from tests.support.google_server import GoogleServer
from tests.support.harness import ADMIN, ALICE, running_bot

SECRET = "whsec-production-backends"


@pytest.mark.slow
def test_request_to_url_on_github_google_and_each_store(tmp_path: Path, any_store: Store) -> None:
    with GitHubServer("acme/infra", token="ghp_test") as github, GoogleServer(operation_polls=1) as google:
        client = github_client(token="ghp_test", api_url=github.url, retries=1, backoff_factor=0.001)
        repo = GitHubRepo("acme/infra", github=client, pacer=Pacer.scaled(1000))

        def cloud(_repo):  # type: ignore[no-untyped-def]
            return GcpCloud(
                credentials=AnonymousCredentials(),
                notebooks_api_url=google.url,
                dataproc_api_url=google.url,
                request_timeout=2.0,
                sleep=lambda s: None,
            )

        env = {"GITHUB_WEBHOOK_SECRET": SECRET, "NOTEBOOK_BOT_REPO": "github:acme/infra"}
        with running_bot(tmp_path, any_store, repo=repo, cloud=cloud, env=env) as bot:
            bot.ask(ALICE)
            request = bot.only_request(ALICE)
            bot.approve(request.id, ADMIN)
            opened = bot.store.get(request.id)
            assert opened is not None and opened.state == State.PR_OPEN and opened.pull_request is not None
            pull = github.pull_for(opened.pull_request.branch)
            assert pull is not None and pull.number == opened.pull_request.number

            github.merge(pull.number)
            google.add_instance("acme-analytics", "europe-west1-b", request.env_name, "ACTIVE")
            event = pull_request_closed(opened.pull_request, merged=True, repo="acme/infra")
            assert post_webhook(bot.server.url, event, secret=SECRET)[0] == 202
            bot.settle()
            final = bot.store.get(request.id)
            assert final is not None and final.state == State.READY
            assert final.url is not None and final.url.startswith("https://")
            ready = [m for m in bot.messages_to(ALICE.id) if "Open JupyterLab" in str(m["blocks"])]
            assert len(ready) == 1
        repo.close()
        client.close()
