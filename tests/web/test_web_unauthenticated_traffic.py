"""Unauthenticated traffic costs nothing: refused before it is read or parsed, one short log line, no 500s;
a signed request replayed inside its window is handled once."""

from __future__ import annotations

import json
import logging
import secrets
import socket
import time
import urllib.request
from datetime import timedelta
from urllib.error import HTTPError
from urllib.parse import urlencode

import pytest

from bot.cloud.simulated import SimulatedCloud
from bot.demo.slack_events import SlackSender, sign
from bot.slack.ids import Action
from bot.web.server import Server
from bot.wiring import build_app, slack_client
from tests.support.github_webhook import post_webhook
from tests.support.harness import ALICE, Harness, running_bot

JUNK_BODIES: list[bytes] = [
    b"",
    b"{",
    b"[]",
    b"null",
    b'{"type": "block_actions"',
    b"payload=",
    b"payload=%7B",
    b"payload=%5B%5D",
    b"payload=null",
    b"payload=" + b"%7B%22a%22%3A" * 300,
    b"command=%2Fnotebook&text=new",
    b"\xff\xfe\x00binary\x00",
    b"\xc3\x28",
    b"a=%ZZ&b=%",
    b"=" * 1000,
    b"&&&&&&&&",
    b'{"type": "event_callback", "event": 5}',
    b'{"type": "url_verification"}',
    b"ssl_check=0&token=x",
]


def _raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read()
    except HTTPError as e:
        return e.code, e.read()


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name}: {r.getMessage()}" + (str(r.exc_info) if r.exc_info else "") for r in caplog.records)


def test_a_5_mb_unsigned_post_is_refused_unread_with_413_and_one_short_log_line(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = b"payload=" + b"A" * 5_000_000
    status, answer = _raw_post(
        bot.server.url + "/slack/events",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Signature": "v0=00",
            "X-Slack-Request-Timestamp": "1",
        },
    )
    assert status == 413 and b"limit" in answer
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1 and len(refusals[0].getMessage()) < 200, _logged(caplog)
    assert len(_logged(caplog)) < 1000, _logged(caplog)
    assert bot.slack.calls() == []


def _declare_only(server_url: str, path: str, length: int) -> bytes:
    """Sends only the headers of a POST whose body would be ``length`` bytes; returns the first answer."""
    host, port = server_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode())
        return conn.recv(4096)  # no byte of the body was sent: the answer comes anyway


@pytest.mark.parametrize("path", ["/slack/events", "/github/webhook", "/tasks/reconcile"])
def test_a_body_declared_too_large_is_refused_before_it_is_sent(bot: Harness, path: str) -> None:
    answer = _declare_only(bot.server.url, path, 50_000_000)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


@pytest.mark.parametrize("signature", [None, "v0=" + "0" * 64, "junk"])
def test_unsigned_junk_is_401_never_500_and_logs_one_short_line_each(
    bot: Harness, caplog: pytest.LogCaptureFixture, signature: str | None
) -> None:
    caplog.set_level(logging.DEBUG)
    statuses = []
    for body in JUNK_BODIES:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(int(time.time())),
        }
        if signature:
            headers["X-Slack-Signature"] = signature
        statuses.append(_raw_post(bot.server.url + "/slack/events", body, headers)[0])
    assert statuses == [401] * len(JUNK_BODIES)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == len(JUNK_BODIES), _logged(caplog)
    assert all(len(line) < 200 and "Traceback" not in line for line in lines), _logged(caplog)
    assert not any(r.exc_info for r in caplog.records)
    assert bot.slack.calls() == []


@pytest.mark.parametrize("timestamp", ["not-a-number", "", "1e9", "-5", "\u00b2\u00b3", "9" * 40])
def test_a_malformed_timestamp_is_401_not_500(bot: Harness, timestamp: str) -> None:
    body = b"command=%2Fnotebook&text=new&user_id=U0ALICE"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(bot.signing_secret, body, int(time.time())),
    }
    assert _raw_post(bot.server.url + "/slack/events", body, headers)[0] == 401


@pytest.mark.parametrize("body", [b"\xff\xfe\x00binary", b"payload=%7B", b"payload=%5B%5D", b"{", b"[]"])
def test_a_signed_body_that_is_not_a_slack_payload_is_400_or_ignored_never_500(
    bot: Harness, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    caplog.set_level(logging.DEBUG)
    content_type = "application/json" if body[:1] in (b"{", b"[") else "application/x-www-form-urlencoded"
    response = bot.send.post(body, content_type=content_type)
    assert response.status in (200, 400, 401, 404), response
    assert not any(r.exc_info for r in caplog.records), _logged(caplog)
    assert bot.store.find() == []


def test_slacks_certificate_check_is_answered_200_and_dispatches_nothing(bot: Harness) -> None:
    body = b"ssl_check=1&token=legacy"
    status, answer = _raw_post(
        bot.server.url + "/slack/events", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (status, answer) == (200, b"")
    assert bot.slack.calls() == [] and bot.store.find() == []


def _extend_click(bot: Harness, request_id: str) -> bytes:
    payload = {
        "type": "block_actions",
        "team": {"id": bot.send.team_id, "domain": "demo"},
        "api_app_id": "A0NOTEBOOK",
        "user": {"id": ALICE.id, "team_id": bot.send.team_id},
        "trigger_id": f"{secrets.randbelow(10**9)}.trigger",
        "response_url": bot.send.response_url,
        "channel": {"id": "D" + ALICE.id[1:]},
        "container": {"type": "message", "message_ts": "1.000001"},
        "message": {"ts": "1.000001", "blocks": []},
        "actions": [
            {"type": "button", "action_id": Action.EXTEND.value, "block_id": "b", "value": request_id, "action_ts": "1"}
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def test_a_replayed_signed_extend_is_applied_once(bot_on_any_store: Harness) -> None:
    bot = bot_on_any_store
    env = bot.ready()
    bot.clock.advance(days=28, minutes=1)
    bot.reconcile()
    body, ts = _extend_click(bot, env.id), int(time.time())

    first = bot.send.post(body, timestamp=ts)
    bot.settle()
    replayed = [bot.send.post(body, timestamp=ts) for _ in range(3)]
    bot.settle()

    assert first.status == 200 and [r.status for r in replayed] == [200, 200, 200]
    assert all(r.body == b"" for r in replayed)
    after = bot.store.get(env.id)
    assert after is not None and after.expires_at == env.ready_at + timedelta(days=60)  # type: ignore[operator]
    assert len([a for a in bot.store.audit_trail(env.id) if a.action == "extend"]) == 1
    # The same click, signed again at another second (Slack's own retry would be), is a new request.
    assert bot.send.post(body, timestamp=ts + 1).status == 200


def test_a_replay_sent_to_another_instance_is_not_handled_again(bot_on_any_store: Harness) -> None:
    one = bot_on_any_store
    env = one.ready()
    # A second instance of the service: its own app and server, the same store and signing secret.
    two = build_app(
        one.app.settings,
        one.store,
        one.repo,
        SimulatedCloud(one.repo.exists_on_base, one.policy.gcp.region),
        slack_client(one.app.settings),
        policy=one.policy,
        clock=one.clock,
    )
    server = Server(two.wsgi, host="127.0.0.1", port=0, threads=4).start()
    try:
        body, ts = _extend_click(one, env.id), int(time.time())
        assert one.send.post(body, timestamp=ts).status == 200
        one.settle()
        replay = SlackSender(server.url, one.signing_secret, one.slack.response_url()).post(body, timestamp=ts)
        assert two.wait_idle(30)
    finally:
        server.stop()
        two.background.shutdown()  # type: ignore[attr-defined]
    assert replay.status == 200 and replay.body == b""
    assert len([a for a in one.store.audit_trail(env.id) if a.action == "extend"]) == 1


def test_github_webhook_refuses_oversized_and_unsigned_junk_in_one_line(
    tmp_path: object, sqlite_store: object, caplog: pytest.LogCaptureFixture
) -> None:
    with running_bot(tmp_path, sqlite_store, env={"GITHUB_WEBHOOK_SECRET": "s3cret"}) as bot:  # type: ignore[arg-type]
        caplog.set_level(logging.DEBUG)
        url = bot.server.url + "/github/webhook"
        assert _declare_only(bot.server.url, "/github/webhook", 6 * 1024 * 1024).startswith(b"HTTP/1.1 413")
        for body in JUNK_BODIES:
            status, _ = _raw_post(url, body, {"X-GitHub-Event": "pull_request", "X-Hub-Signature-256": "sha256=00"})
            assert status == 401
        assert post_webhook(bot.server.url, {"zen": "hi"}, secret="wrong", delivery="d1")[0] == 401
        lines = [r.getMessage() for r in caplog.records]
        assert len(lines) == len(JUNK_BODIES) + 1, _logged(caplog)
        assert all(len(line) < 200 for line in lines) and not any(r.exc_info for r in caplog.records)


def test_a_signed_github_body_that_is_not_an_event_is_400_never_500(tmp_path: object, sqlite_store: object) -> None:
    with running_bot(tmp_path, sqlite_store, env={"GITHUB_WEBHOOK_SECRET": "s3cret"}) as bot:  # type: ignore[arg-type]
        for body in (b"[]", b"5", b'"text"', b"null", b"{"):
            assert post_webhook(bot.server.url, body, secret="s3cret", delivery="d-junk")[0] == 400, body


def test_reconcile_refuses_a_large_body_before_checking_anything(tmp_path: object, sqlite_store: object) -> None:
    env = {"NOTEBOOK_BOT_RECONCILE_SECRET": "s3cret"}
    with running_bot(tmp_path, sqlite_store, env=env) as bot:  # type: ignore[arg-type]
        url = bot.server.url + "/tasks/reconcile"
        assert _raw_post(url, b"x" * (200 * 1024), {"X-Notebook-Bot-Secret": "s3cret"})[0] == 413
        assert _raw_post(url, b"", {"X-Notebook-Bot-Secret": "nope"})[0] == 401
