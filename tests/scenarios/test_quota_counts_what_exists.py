"""Quotas count every environment that may still exist: one being deleted exists until its removal merges.

Reproduces "a user ended with 2 Dataproc clusters against a limit of 1": she deleted her cluster, asked for a
new one while the removal pull request was open, and the removal was then closed without merging.
"""

from __future__ import annotations

from pathlib import Path

from bot.domain.states import State
from bot.slack.ids import View
from bot.store.sqlite import SqliteStore
from tests.support.harness import ALICE, Harness, running_bot

POLICY = """
gcp: {project: acme-analytics, region: europe-west1, zones: [europe-west1-b]}
slack: {admin_channel: C0ADMINS, admins: [U0ADMIN1]}
identity: {allowed_domains: [example.com]}
limits: {environments_per_user: 3, environments_per_user_per_kind: {dataproc: 1}}
templates:
  - {id: spark, title: Spark, kind: dataproc, dataproc: {worker_count: 2}}
"""


def start_deleting(bot: Harness, request_id: str) -> None:
    bot.clock.advance(minutes=1)
    response = bot.send.submit_view(ALICE.id, View.CONFIRM_DELETE.value, {}, private_metadata=request_id)
    assert response.status == 200
    bot.settle()
    assert bot.store.get(request_id).state == State.DELETING


def test_a_cluster_being_deleted_counts_so_a_closed_removal_never_leaves_two(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with running_bot(tmp_path, sqlite_store, policy=POLICY) as bot:
        first = bot.ready(ALICE, template="spark", name="spark-one")
        start_deleting(bot, first.id)

        answer = bot.ask(ALICE, template="spark", name="spark-two").json()

        assert answer["response_action"] == "errors"
        said = str(answer["errors"])
        assert "1 dataproc environment(s); the most allowed is 1" in said
        assert "spark-one still counts until it is deleted" in said
        assert [r.display_name for r in bot.store.find(owner_user_id=ALICE.id)] == ["spark-one"]

        # The removal is closed without merging: the cluster stays, and it is still her only one.
        removal = bot.store.get(first.id).pull_request
        bot.repo.close(removal.branch)
        bot.clock.advance(minutes=6)
        bot.reconcile()
        assert bot.store.get(first.id).state == State.READY
        mine = bot.store.find(owner_user_id=ALICE.id)
        assert [(r.display_name, r.state) for r in mine] == [("spark-one", State.READY)]


def test_once_the_deletion_is_done_the_quota_is_free_again(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with running_bot(tmp_path, sqlite_store, policy=POLICY) as bot:
        first = bot.ready(ALICE, template="spark", name="spark-one")
        start_deleting(bot, first.id)
        bot.merge(bot.store.get(first.id))
        bot.clock.advance(minutes=6)
        bot.reconcile()
        assert bot.store.get(first.id).state == State.DELETED

        bot.ask(ALICE, template="spark", name="spark-two")

        names = {r.display_name: r.state for r in bot.store.find(owner_user_id=ALICE.id)}
        assert names["spark-two"] == State.PENDING_APPROVAL
