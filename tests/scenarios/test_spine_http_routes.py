"""The other routes: the GitHub webhook, the reconcile task, and the health check."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.error import HTTPError

from bot.domain.states import State
from bot.store.sqlite import SqliteStore
from tests.support.github_webhook import post_webhook, pull_request_closed
from tests.support.harness import ADMIN, ALICE, Harness, running_bot

SECRET = "webhook-secret-for-tests"


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def _closed(bot: Harness, request_id: str, merged: bool = True, repo: str | None = None) -> dict:  # type: ignore[type-arg]
    request = bot.store.get(request_id)
    assert request is not None and request.pull_request is not None
    return pull_request_closed(request.pull_request, merged=merged, repo=repo)


def test_a_merged_pr_webhook_moves_the_request_on_once(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with running_bot(tmp_path, sqlite_store, env={"GITHUB_WEBHOOK_SECRET": SECRET}) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id, ADMIN)
        bot.merge(request)
        event = _closed(bot, request.id)

        status, _ = post_webhook(bot.server.url, event, secret="wrong", delivery="delivery-1")
        assert status == 401
        assert bot.store.get(request.id).state == State.PR_OPEN  # type: ignore[union-attr]

        status, answer = post_webhook(bot.server.url, event, secret=SECRET, delivery="delivery-1")
        bot.settle()
        assert status == 202 and answer == {"accepted": True}
        assert bot.store.get(request.id).state == State.READY  # type: ignore[union-attr]

        status, answer = post_webhook(bot.server.url, event, secret=SECRET, delivery="delivery-1")  # redelivered
        assert answer == {"duplicate": True}
        ready = [m for m in bot.messages_to(ALICE.id) if "Open JupyterLab" in str(m["blocks"])]
        assert len(ready) == 1


def test_a_pr_closed_without_merging_cancels_and_tells_the_user(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with running_bot(tmp_path, sqlite_store, env={"GITHUB_WEBHOOK_SECRET": SECRET}) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id, ADMIN)
        event = _closed(bot, request.id, merged=False)
        status, _ = post_webhook(bot.server.url, event, secret=SECRET, delivery="d-1")
        bot.settle()
        assert bot.store.get(request.id).state == State.PR_OPEN  # type: ignore[union-attr] # it is still open
        bot.repo.close(bot.store.get(request.id).pull_request.branch)  # type: ignore[attr-defined,union-attr]
        status, _ = post_webhook(bot.server.url, event, secret=SECRET, delivery="d-2")
        bot.settle()
        assert status == 202
        assert bot.store.get(request.id).state == State.CANCELLED  # type: ignore[union-attr]
        assert any("closed without merging" in m["text"] for m in bot.messages_to(ALICE.id))


def test_reconcile_task_needs_the_shared_secret_in_local_mode(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with running_bot(tmp_path, sqlite_store, env={"NOTEBOOK_BOT_RECONCILE_SECRET": "s3cret-reconcile"}) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id, ADMIN)
        bot.merge(request)
        url = bot.server.url + "/tasks/reconcile"
        assert _post(url, b"", {})[0] == 401
        assert _post(url, b"", {"X-Notebook-Bot-Secret": "guess"})[0] == 401
        assert bot.store.get(request.id).state == State.PR_OPEN  # type: ignore[union-attr]
        status, answer = _post(url, b"", {"X-Notebook-Bot-Secret": "s3cret-reconcile"})
        bot.settle()
        assert status == 200 and "merged: 1" in answer["summary"]
        assert bot.store.get(request.id).state == State.READY  # type: ignore[union-attr]


def test_healthz_reports_store_and_config(bot: Harness) -> None:
    with urllib.request.urlopen(bot.server.url + "/healthz", timeout=5) as resp:
        assert resp.status == 200
        assert json.loads(resp.read()) == {"ok": True, "config": "ok", "store": "ok"}


def test_unknown_paths_are_404(bot: Harness) -> None:
    try:
        urllib.request.urlopen(bot.server.url + "/admin", timeout=5)
    except HTTPError as e:
        assert e.code == 404
    else:
        raise AssertionError("expected 404")


def test_a_signed_event_from_a_fork_or_a_replay_moves_nothing(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    env = {"GITHUB_WEBHOOK_SECRET": SECRET, "NOTEBOOK_BOT_REPO": "github:acme/infra"}
    with running_bot(tmp_path, sqlite_store, env=env) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id, ADMIN)
        fork = _closed(bot, request.id, merged=False, repo="acme/infra")
        fork["pull_request"]["head"]["repo"] = {"full_name": "mallory/infra"}  # a fork's same-named branch
        assert post_webhook(bot.server.url, fork, secret=SECRET, delivery="d-fork")[1] == {"ignored": True}
        replay = _closed(bot, request.id, merged=False, repo="acme/infra")  # "closed", but it is open
        assert post_webhook(bot.server.url, replay, secret=SECRET, delivery="d-replay")[0] == 202
        bot.settle()
        assert bot.store.get(request.id).state == State.PR_OPEN  # type: ignore[union-attr]
