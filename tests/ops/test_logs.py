"""Logs: JSON lines Cloud Logging understands, and never a token or secret, across the whole happy path."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import logs
from bot.store.sqlite import SqliteStore
from tests.support.harness import ADMIN, ALICE, running_bot

SECRETS = {
    "GITHUB_WEBHOOK_SECRET": "whsec-0123456789abcdef",
    "NOTEBOOK_BOT_RECONCILE_SECRET": "reconcile-0123456789",
    "GITHUB_TOKEN": "ghp_0123456789abcdefghij",
}


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def test_the_happy_path_logs_json_lines_and_no_secret(
    tmp_path: Path, sqlite_store: SqliteStore, captured: io.StringIO
) -> None:
    with running_bot(tmp_path, sqlite_store, env=SECRETS) as bot:
        configured = bot.app.settings.secrets()
        assert set(SECRETS.values()) <= set(configured) and len(configured) >= 5
        logs.configure(fmt="json", level="DEBUG", secrets=configured, stream=captured)
        logging.getLogger("test").info("token in a message by mistake: %s", configured[0])
        bot.send.command(ALICE.id, "new")
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id, ADMIN)
        bot.merge(request)
        bot.reconcile()
        bot.send.command(ALICE.id, "status")
        bot.settle()
    lines = captured.getvalue().splitlines()
    assert len(lines) > 20, "expected debug logs from the whole flow"
    entries = [json.loads(line) for line in lines]
    assert all({"severity", "message"} <= e.keys() for e in entries)
    assert {e["severity"] for e in entries} <= {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
    text = captured.getvalue()
    for secret in configured:
        assert secret not in text, "a secret reached the logs"
    assert "[secret]" in text  # the deliberate leak above was scrubbed, not dropped
    assert any(e.get("logging.googleapis.com/labels", {}).get("request_id") for e in entries)


def test_cloud_trace_header_becomes_the_trace_field() -> None:
    assert (
        logs.trace_from_header("105445aa7843bc8bf206b12000100000/1;o=1", "acme")
        == "projects/acme/traces/105445aa7843bc8bf206b12000100000"
    )
    assert logs.trace_from_header(None, "acme") is None
