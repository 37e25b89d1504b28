"""Deleting an environment: a confirmation, a removal pull request, and word once the cloud has it gone."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from bot.domain.states import State
from bot.slack.ids import Action, View
from bot.store.sqlite import SqliteStore
from tests.support.github_webhook import post_webhook, pull_request_closed
from tests.support.harness import ADMIN, ALICE, BOB, Harness, running_bot
from tests.support.lifecycle_support import ScriptedCloud, click, say, texts_to, wait_until


def remember(made: list[ScriptedCloud], repo: Any) -> ScriptedCloud:
    """The scripted cloud of the bot's own local repository, kept for the test to drive."""
    made.append(ScriptedCloud(repo))
    return made[-1]


def confirm_delete(bot: Harness, user_id: str, request_id: str) -> dict[str, object]:
    response = bot.send.submit_view(user_id, View.CONFIRM_DELETE.value, {}, private_metadata=request_id)
    assert response.status == 200
    bot.settle()
    return response.json() or {}


def test_delete_asks_first_then_removes_the_file_and_says_when_it_is_gone(bot_on_any_store: Harness) -> None:
    bot = bot_on_any_store
    env = bot.ready()
    assert all(bot.repo.exists_on_base(p) for p in env.files)
    bot.send.command(ALICE.id, "delete churn-model")
    (opened,) = bot.slack.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == View.CONFIRM_DELETE.value
    assert opened.args["view"]["private_metadata"] == env.id
    assert bot.store.get(env.id).state == State.READY  # nothing happens before the confirmation

    bot.clock.advance(minutes=1)
    assert confirm_delete(bot, ALICE.id, env.id) == {}  # the dialog closes
    deleting = bot.store.get(env.id)
    assert deleting.state == State.DELETING
    assert deleting.pull_request.purpose == "remove" and deleting.pull_request.number > 0
    assert deleting.pull_request.branch.endswith(f"{env.id}-remove")
    assert any("removes it" in t for t in texts_to(bot, ALICE.id))

    bot.merge(deleting)
    bot.clock.advance(minutes=6)
    bot.reconcile()
    deleted = bot.store.get(env.id)
    assert deleted.state == State.DELETED
    assert not any(bot.repo.exists_on_base(p) for p in env.files)
    assert any("Google Cloud confirms it is gone" in t for t in texts_to(bot, ALICE.id))
    actions = [a.action for a in bot.store.audit_trail(env.id)]
    # Records of one instant may come back in either order from Firestore: compare them as a set.
    assert set(actions[-4:]) == {
        "ready->deleting",
        "removal pull request opened",
        "removal merged",
        "deleting->deleted",
    }


def test_the_merge_webhook_finishes_the_deletion_without_waiting_for_reconcile(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    secret = secrets.token_hex(8)
    with running_bot(tmp_path, sqlite_store, env={"GITHUB_WEBHOOK_SECRET": secret}) as bot:
        env = bot.ready()
        confirm_delete(bot, ALICE.id, env.id)
        pr = bot.store.get(env.id).pull_request
        bot.merge(bot.store.get(env.id))
        status, _ = post_webhook(bot.server.url, pull_request_closed(pr, merged=True), secret=secret)
        assert status == 202
        bot.settle()
        assert bot.store.get(env.id).state == State.DELETED


def test_a_removal_closed_without_merging_keeps_the_environment(bot: Harness) -> None:
    env = bot.ready()
    confirm_delete(bot, ALICE.id, env.id)
    first = bot.store.get(env.id).pull_request
    bot.repo.close(first.branch)
    bot.clock.advance(minutes=6)
    bot.reconcile()
    kept = bot.store.get(env.id)
    assert kept.state == State.READY and kept.end_reason is None
    assert all(bot.repo.exists_on_base(p) for p in env.files)
    assert any("closed without merging, so it stays" in t for t in texts_to(bot, ALICE.id))

    bot.clock.advance(minutes=1)
    confirm_delete(bot, ALICE.id, env.id)  # a second removal needs a branch of its own
    second = bot.store.get(env.id).pull_request
    assert second.branch == first.branch + "-2" and second.number != first.number
    bot.merge(bot.store.get(env.id))
    bot.clock.advance(minutes=6)
    bot.reconcile()
    assert bot.store.get(env.id).state == State.DELETED


def test_nobody_deletes_someone_elses_environment(bot: Harness) -> None:
    env = bot.ready()
    (reply,) = say(bot, BOB.id, f"delete {env.id}")
    assert "only its owner or a notebook admin can delete it" in reply
    (reply,) = click(bot, BOB.id, Action.DELETE.value, env.id)
    assert "only its owner" in reply
    assert not bot.slack.calls("views.open")
    # Even a forged confirmation (no dialog was ever opened for Bob) is refused on the server.
    answer = confirm_delete(bot, BOB.id, env.id)
    assert answer["response_action"] == "update" and "only its owner" in json.dumps(answer)
    assert bot.store.get(env.id).state == State.READY


def test_an_admin_deletes_anyones_environment_and_both_are_told(bot: Harness) -> None:
    env = bot.ready()
    click(bot, ADMIN.id, Action.DELETE.value, env.id, replies=0)
    wait_until(lambda: bot.slack.calls("views.open"))
    confirm_delete(bot, ADMIN.id, env.id)
    deleting = bot.store.get(env.id)
    assert deleting.state == State.DELETING and "Olga Admin" in (deleting.end_reason or "")
    assert any("Deleting *churn-model* of <@U0ALICE>" in t for t in texts_to(bot, ADMIN.id))
    assert any("deleted by Olga Admin" in t for t in texts_to(bot, ALICE.id))
    (moved,) = [a for a in bot.store.audit_trail(env.id) if a.action == "ready->deleting"]
    assert moved.actor == ADMIN.id


def test_deleting_a_pending_request_withdraws_it(bot: Harness) -> None:
    bot.ask()
    request = bot.only_request()
    confirm_delete(bot, ALICE.id, request.id)
    assert bot.store.get(request.id).state == State.CANCELLED
    assert any("withdrawn" in t for t in texts_to(bot, ALICE.id))


def test_a_deleted_environment_cannot_be_deleted_again(bot: Harness) -> None:
    env = bot.ready()
    confirm_delete(bot, ALICE.id, env.id)
    answer = confirm_delete(bot, ALICE.id, env.id)
    assert "already being deleted" in json.dumps(answer)


def test_a_removal_closed_before_the_environment_was_ever_ready_goes_back_to_waiting_for_it(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    from tests.support.harness import running_bot

    clouds: list[ScriptedCloud] = []
    with running_bot(tmp_path, sqlite_store, cloud=lambda repo: remember(clouds, repo)) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id)
        bot.merge(request)
        # Merged but not yet applied: the owner changes their mind and deletes it while it is being created.
        clouds[0].vanished.add(request.env_name)
        bot.reconcile()
        assert bot.store.get(request.id).state == State.APPLYING  # type: ignore[union-attr]
        confirm_delete(bot, ALICE.id, request.id)
        deleting = bot.store.get(request.id)
        assert deleting is not None and deleting.state == State.DELETING and deleting.pull_request is not None
        bot.repo.close(deleting.pull_request.branch)  # type: ignore[attr-defined]  # a reviewer says no
        clouds[0].vanished.clear()  # and CI applies the creation after all
        for _ in range(3):
            bot.clock.advance(minutes=10)
            bot.reconcile()
        final = bot.store.get(request.id)
        assert final is not None and final.state == State.READY and final.url and final.expires_at


def test_deleting_again_after_a_closed_removal_and_a_failure_opens_a_new_removal(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    from tests.support.harness import running_bot

    clouds: list[ScriptedCloud] = []
    with running_bot(
        tmp_path,
        sqlite_store,
        cloud=lambda repo: remember(clouds, repo),
    ) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id)
        bot.merge(request)
        clouds[0].vanished.add(request.env_name)  # it never comes up
        bot.reconcile()
        confirm_delete(bot, ALICE.id, request.id)
        first = bot.store.get(request.id)
        assert first is not None and first.pull_request is not None
        bot.repo.close(first.pull_request.branch)  # type: ignore[attr-defined]
        for _ in range(20):  # back to waiting for it, which times out: failed (from applying)
            bot.clock.advance(minutes=10)
            bot.reconcile()
        failed = bot.store.get(request.id)
        assert failed is not None and failed.state == State.FAILED and failed.failed_from == State.APPLYING
        confirm_delete(bot, ALICE.id, request.id)
        again = bot.store.get(request.id)
        assert again is not None and again.state == State.DELETING
        assert again.pull_request is not None and again.pull_request.branch != first.pull_request.branch
        bot.reconcile()
        assert bot.store.get(request.id).state == State.DELETING  # type: ignore[union-attr]
