"""The listeners' Slack calls and replies reuse kept-alive connections, and answer as Bolt's own do."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.error import URLError

import pytest
from slack_bolt import Respond

from bot.cloud.simulated import SimulatedCloud
from bot.config.load import load_policy
from bot.config.settings import Settings
from bot.demo.slack_api import LoopbackSlack
from bot.demo.slack_events import SlackSender
from bot.infra.local_git import LocalGitRepo
from bot.slack.kept_alive import PooledRespond, ResponseConnections
from bot.store.sqlite import SqliteStore
from bot.web.server import Server
from bot.wiring import Application, build_app, slack_client
from tests.support.harness import ALICE, EVERYONE
from tests.support.lifecycle_support import wait_until


@pytest.fixture
def kept_alive_bot(
    tmp_path: Path, sqlite_store: SqliteStore
) -> Iterator[tuple[Application, LoopbackSlack, SlackSender]]:
    """The bot against a loopback Slack that keeps connections alive, as Slack does."""
    signing = secrets.token_hex(16)
    policy = load_policy(None)
    with LoopbackSlack(EVERYONE, keep_alive=True) as slack:
        settings = Settings.from_env(
            {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": signing, "SLACK_API_URL": slack.url}
        )
        repo = LocalGitRepo(tmp_path / "infra", base_branch=policy.repo.base_branch)
        cloud = SimulatedCloud(repo.exists_on_base, policy.gcp.region)
        app = build_app(settings, sqlite_store, repo, cloud, slack_client(settings), policy=policy)
        server = Server(app.wsgi, host="127.0.0.1", port=0, threads=8).start()
        try:
            yield app, slack, SlackSender(server.url, signing, slack.response_url())
        finally:
            server.stop()
            app.wait_idle(10)
            getattr(app.background, "shutdown", lambda: None)()


def test_replies_and_request_forms_do_not_open_a_connection_each(
    kept_alive_bot: tuple[Application, LoopbackSlack, SlackSender],
) -> None:
    app, slack, send = kept_alive_bot
    send.command(ALICE.id, "status")  # who Alice is, asked of Slack once
    assert app.wait_idle(30)
    before = slack._server.connections
    for _ in range(10):
        assert send.command(ALICE.id, "status").status == 200
        assert send.command(ALICE.id, "new").status == 200
        assert app.wait_idle(30)
    replies = [c.args for c in slack.calls() if c.method.startswith("response/")]
    assert len(replies) == 11 and all(r["text"] == "Your notebook environments" for r in replies)
    forms = slack.calls("views.open")
    assert len(forms) == 10 and all(f.args["view"]["callback_id"] == "notebook_new_request" for f in forms)
    # Twenty replies and forms; a pool keeps a connection or two for each of its two clients.
    assert slack._server.connections - before <= 4, slack._server.connections - before


def test_a_reply_slack_refuses_reads_as_with_bolts_respond() -> None:
    with LoopbackSlack([], keep_alive=True) as slack:
        connections = ResponseConnections()
        answers = []
        for respond in (Respond(response_url=slack.response_url()), PooledRespond(slack.response_url(), connections)):
            slack.state.rate_limited["response/1"] = 1
            answer = respond(text="hi", response_type="ephemeral")
            answers.append((answer.status_code, json.loads(answer.body), answer.headers.get("Retry-After")))
        assert answers[0] == answers[1] == (429, {"ok": False, "error": "ratelimited"}, "1")
        ok = PooledRespond(slack.response_url(), connections)(text="hi", replace_original=False)
        assert (ok.status_code, json.loads(ok.body)) == (200, {"ok": True})
        wait_until(lambda: len(slack.calls("response/1")) == 1)
        assert slack.calls("response/1")[0].args == {"text": "hi", "replace_original": False}
        url = slack.response_url()
    with pytest.raises(URLError):  # Slack gone: an error, as Bolt's own respond raises
        PooledRespond(url, ResponseConnections())(text="hi")
