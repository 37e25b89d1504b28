"""Words that are true: progress of an expired request, the audit's first line, ids as typed, links that
exist, and times that Slack writes in the reader's time zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.config.load import load_policy
from bot.domain.states import State
from bot.slack.ids import View
from bot.slack.texts import fallback, when
from bot.store.sqlite import SqliteStore
from tests.support.harness import ADMIN, ALICE, Harness, running_bot
from tests.support.lifecycle_support import FlakyRepo, say


def _dm_updates(bot: Harness) -> list[str]:
    return [json.dumps(c.args.get("blocks")) for c in bot.slack.calls("chat.update") if c.args["channel"] == "D0ALICE"]


def test_an_expired_request_shows_it_was_submitted(bot: Harness) -> None:
    bot.ask(ALICE)
    bot.clock.advance(hours=bot.policy.limits.approval_timeout_hours + 1)
    bot.reconcile()
    last = _dm_updates(bot)[-1]
    assert "\\u2705 submitted" in last and "\\u26aa submitted" not in last  # ✅ submitted, not ⚪
    assert "Expired" in last


def test_the_audit_starts_from_a_new_request_and_takes_ids_in_capitals(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    (reply,) = say(bot, ADMIN.id, f"audit {request.id.upper()}")
    assert f"Audit trail of `{request.id}`" in reply
    assert "(new \\u2192 pending_approval)" in reply and "None" not in reply


def test_a_removal_whose_pull_request_is_not_open_yet_shows_no_empty_link(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    policy = load_policy(None)
    repo = FlakyRepo(tmp_path / "infra", base_branch=policy.repo.base_branch)
    with running_bot(tmp_path, sqlite_store, policy=policy, repo=repo) as bot:
        env = bot.ready()
        repo.failing = True  # the removal's pull request cannot be opened yet
        assert bot.send.submit_view(ALICE.id, View.CONFIRM_DELETE.value, {}, private_metadata=env.id).status == 200
        bot.settle()
        assert bot.store.get(env.id).state == State.DELETING  # type: ignore[union-attr]
        last = _dm_updates(bot)[-1]
        assert "<|#0>" not in last and "Removal pull request: being opened" in last
        (status,) = say(bot, ALICE.id, "status")
        assert "<|#0>" not in status


def test_times_are_written_for_the_readers_time_zone(bot: Harness) -> None:
    env = bot.ready()
    ready = [m for m in bot.messages_to(ALICE.id) if "Open JupyterLab" in json.dumps(m.get("blocks"))]
    stamp = int(env.expires_at.timestamp())  # type: ignore[union-attr]
    assert f"kept until <!date^{stamp}^{{date_short_pretty}} {{time}}|" in json.dumps(ready[0]["blocks"])
    (status,) = say(bot, ALICE.id, "status")
    assert f"<!date^{stamp}^" in status


def test_a_plain_text_time_uses_the_persons_zone_and_says_which() -> None:
    at = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)
    assert fallback(at, "America/New_York") == "2026-12-25 04:00 EST"
    assert fallback(at, None) == fallback(at, "Not/AZone") == "2026-12-25 09:00 UTC"
    assert when(at, tz="Asia/Kolkata").endswith("|2026-12-25 14:30 IST>")


def test_a_request_that_gave_up_does_not_promise_to_try_again(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    base = load_policy(None)
    policy = base.model_copy(update={"limits": base.limits.model_copy(update={"provisioning_attempts": 2})})
    repo = FlakyRepo(tmp_path / "infra", base_branch=policy.repo.base_branch)
    with running_bot(tmp_path, sqlite_store, policy=policy, repo=repo) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        repo.failing = True
        bot.approve(request.id, ADMIN)
        bot.clock.advance(minutes=5)
        bot.reconcile()
        failed = bot.store.get(request.id)
        assert failed is not None and failed.state == State.FAILED
        last = json.loads(_dm_updates(bot)[-1])[0]["text"]["text"]
        assert "gave up after 2 attempts: The infrastructure repository is not answering right now" in last
        assert "will try again" not in last and ".." not in last
        assert last.endswith("(HTTP 502 from the git host). The admins were told; it can be retried.")
