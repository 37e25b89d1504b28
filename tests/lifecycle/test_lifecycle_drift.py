"""Drift, and reconcile as Cloud Scheduler calls it: what vanished from Google gets its file removed."""

from __future__ import annotations

import urllib.request
from dataclasses import replace
from pathlib import Path

from bot.domain.request import AuditRecord, EndReason
from bot.domain.states import State
from bot.store.sqlite import SqliteStore
from tests.support.harness import ALICE, Harness, running_bot
from tests.support.lifecycle_support import ScriptedCloud, texts_to


def test_a_ready_environment_deleted_outside_the_bot_gets_its_file_removed(
    scripted: tuple[Harness, ScriptedCloud],
) -> None:
    bot, cloud = scripted
    env = bot.ready()
    cloud.vanished.add(env.env_name)  # someone deleted it in the console, or Dataproc's idle TTL did
    bot.clock.advance(minutes=11)
    bot.reconcile()
    drifted = bot.store.get(env.id)
    assert drifted.state == State.DELETING and drifted.end_reason == EndReason.VANISHED
    assert drifted.pull_request.purpose == "remove"
    assert any("no longer exists in Google Cloud" in t for t in texts_to(bot, ALICE.id))

    bot.merge(drifted)  # so that the next terraform apply does not create it again
    bot.clock.advance(minutes=6)
    bot.reconcile()
    assert bot.store.get(env.id).state == State.DELETED
    assert not any(bot.repo.exists_on_base(p) for p in env.files)
    assert any("will not come back" in t for t in texts_to(bot, ALICE.id))


def test_when_many_vanish_at_once_the_bot_asks_the_admins_instead_of_removing_them(
    scripted: tuple[Harness, ScriptedCloud],
) -> None:
    bot, cloud = scripted
    env = bot.ready()
    for i in range(5):
        copy = replace(env, id=f"rcopy{i:05d}", env_name=f"{env.env_name}-{i}", version=0)
        bot.store.add(copy, AuditRecord(copy.id, bot.clock(), "test", "copied"))
        cloud.vanished.add(copy.env_name)
    bot.clock.advance(minutes=11)
    report = bot.reconcile()
    assert report.actions["drift held back"] == 5
    assert all(r.state == State.READY for r in bot.store.find(owner_user_id=ALICE.id))
    assert any("looks like a wrong project" in str(m.get("text")) for m in bot.messages_to("C0ADMINS"))


def test_cloud_scheduler_drives_expiry_through_the_reconcile_endpoint(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with running_bot(tmp_path, sqlite_store, env={"NOTEBOOK_BOT_RECONCILE_SECRET": "s3cret-for-tests"}) as bot:
        env = bot.ready()
        bot.clock.advance(days=31)
        request = urllib.request.Request(
            bot.server.url + "/tasks/reconcile",
            data=b"",
            method="POST",
            headers={"X-Notebook-Bot-Secret": "s3cret-for-tests"},
        )
        with urllib.request.urlopen(request, timeout=30) as resp:
            assert resp.status == 200
            assert b"expired: 1" in resp.read()
        bot.settle()
        assert bot.store.get(env.id).state == State.DELETING
