"""The local repository (no webhooks): merges are noticed by the next reconcile pass, creation and removal
alike, and with ``repo.merge: when_checks_pass`` the bot's own check of the files is the plan it merges on."""

from __future__ import annotations

from pathlib import Path

from bot.domain.states import State
from bot.infra.local_git import LocalGitRepo
from bot.slack.ids import View
from bot.store.sqlite import SqliteStore
from tests.support.harness import ADMIN, ALICE, running_bot
from tests.support.pipeline import merging_policy


def test_a_merged_removal_is_noticed_on_the_next_pass_not_its_own_poll(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with running_bot(tmp_path, sqlite_store) as bot:
        env = bot.ready()
        response = bot.send.submit_view(ALICE.id, View.CONFIRM_DELETE.value, {}, private_metadata=env.id)
        assert response.status == 200
        bot.settle()
        deleting = bot.store.get(env.id)
        assert deleting is not None and deleting.state == State.DELETING and deleting.pull_request is not None
        assert deleting.due_at is not None and deleting.due_at > bot.clock()  # its own poll is minutes away
        bot.merge(deleting)
        bot.reconcile()  # the very next pass, no time passing
        deleted = bot.store.get(env.id)
        assert deleted is not None and deleted.state == State.DELETED


def test_the_embedded_repository_goes_from_approve_to_url_with_no_merge_by_hand(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with running_bot(tmp_path, sqlite_store, policy=merging_policy()) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id, ADMIN)
        final = bot.store.get(request.id)
        assert final is not None and final.state == State.READY, final
        assert final.pull_request is not None and final.pull_request.merged_by == "notebook-bot"
        assert isinstance(bot.repo, LocalGitRepo)
        status = bot.repo.commit_status(
            bot.repo.find_pull_request(final.pull_request.branch).head_sha, "notebook-bot/plan"
        )  # type: ignore[union-attr]
        assert status is not None and status.state == "success" and "parse" in status.description

        response = bot.send.submit_view(ALICE.id, View.CONFIRM_DELETE.value, {}, private_metadata=request.id)
        assert response.status == 200
        bot.settle()
        deleted = bot.store.get(request.id)
        assert deleted is not None and deleted.state == State.DELETED  # the removal merged itself too
