"""Applies report back (DESIGN §4): a failed apply reaches the owner and the admins with Terraform's error at
once (status webhook) or within one reconcile pass, for a creation and for a removal; Retry waits again."""

from __future__ import annotations

import json
from pathlib import Path

from bot.domain.states import State
from bot.slack.ids import Action, View
from bot.store.base import Store
from bot.store.sqlite import SqliteStore
from tests.support.harness import ADMIN, ALICE
from tests.support.pipeline import RUN, TERRAFORM_ERROR, Pipeline, merging_policy, pipeline


def merged(p: Pipeline) -> tuple[str, str]:
    """A request approved and merged by a reviewer (manual merges): its id and merged commit."""
    p.bot.ask(ALICE)
    request = p.bot.only_request(ALICE)
    p.bot.approve(request.id, ADMIN)
    sha = p.merge_by_hand(request)
    applying = p.bot.store.get(request.id)
    assert applying is not None and applying.state == State.APPLYING
    assert applying.pull_request is not None and applying.pull_request.merge_sha == sha
    return request.id, sha


def alerts(p: Pipeline, words: str) -> list[dict[str, object]]:
    return [m for m in p.bot.messages_to("C0ADMINS") if words in json.dumps(m)]


def test_a_failed_apply_fails_the_request_at_once_with_terraforms_error(tmp_path: Path, any_store: Store) -> None:
    with pipeline(tmp_path, any_store, merging_policy("manual")) as p:
        request_id, sha = merged(p)
        p.apply(sha, "failure", TERRAFORM_ERROR)
        failed = p.bot.store.get(request_id)
        assert failed is not None and failed.state == State.FAILED and failed.failed_from == State.APPLYING
        assert failed.last_error == f"the apply failed: {TERRAFORM_ERROR}"
        to_alice = [str(m["text"]) for m in p.bot.messages_to(ALICE.id)]
        assert any("Quota 'NVIDIA_T4_GPUS' exceeded" in t for t in to_alice), to_alice
        (alert,) = alerts(p, "NVIDIA_T4_GPUS")
        assert RUN in json.dumps(alert) and Action.RETRY.value in json.dumps(alert)

        # Retry: back to waiting for the cloud; the failure already reported is not acted on again.
        p.bot.send.click(ADMIN.id, Action.RETRY.value, request_id)
        p.bot.settle()
        p.bot.clock.advance(minutes=1)
        p.bot.reconcile()
        waiting = p.bot.store.get(request_id)
        assert waiting is not None and waiting.state == State.APPLYING
        assert len(alerts(p, "NVIDIA_T4_GPUS")) == 1

        # The admin re-runs the apply (quota raised): its new status is read, and the URL follows.
        p.applied.set()
        p.apply(sha, "success", "Apply complete! Resources: 1 added.")
        p.bot.clock.advance(minutes=1)
        p.bot.reconcile()
        final = p.bot.store.get(request_id)
        assert final is not None and final.state == State.READY


def test_a_failed_apply_whose_webhook_was_lost_is_found_in_one_reconcile_pass(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy("manual")) as p:
        request_id, sha = merged(p)
        p.apply(sha, "error", TERRAFORM_ERROR, webhook=False)
        p.bot.clock.advance(minutes=1)
        p.bot.reconcile()
        failed = p.bot.store.get(request_id)
        assert failed is not None and failed.state == State.FAILED
        assert failed.last_error == f"the apply failed: {TERRAFORM_ERROR}"


def test_an_apply_still_running_or_passed_changes_nothing(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy("manual")) as p:
        request_id, sha = merged(p)
        p.github.set_status(sha, "notebook-bot/apply", "pending", "applying", RUN)
        p.apply(sha, "success", "Apply complete!")
        p.bot.clock.advance(minutes=1)
        p.bot.reconcile()
        waiting = p.bot.store.get(request_id)
        assert waiting is not None and waiting.state == State.APPLYING  # Google has not created it yet


def test_a_removal_whose_apply_fails_comes_back_too(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy("manual")) as p:
        request_id, sha = merged(p)
        p.applied.set()
        p.apply(sha, "success", "Apply complete!")
        p.bot.clock.advance(minutes=1)
        p.bot.reconcile()
        ready = p.bot.store.get(request_id)
        assert ready is not None and ready.state == State.READY
        p.kept.update(ready.files)  # Google keeps it until an apply deletes it

        response = p.bot.send.submit_view(ALICE.id, View.CONFIRM_DELETE.value, {}, private_metadata=request_id)
        assert response.status == 200
        p.bot.settle()
        deleting = p.bot.store.get(request_id)
        assert deleting is not None and deleting.state == State.DELETING
        removal_sha = p.merge_by_hand(deleting)
        p.apply(removal_sha, "failure", "Error: deleting Instance: googleapi: Error 403: Permission denied")
        failed = p.bot.store.get(request_id)
        assert failed is not None and failed.state == State.FAILED and failed.failed_from == State.DELETING
        assert "Permission denied" in (failed.last_error or "")
        assert len(alerts(p, "Permission denied")) == 1
        assert any("Permission denied" in str(m["text"]) for m in p.bot.messages_to(ALICE.id))

        p.bot.send.click(ADMIN.id, Action.RETRY.value, request_id)
        p.bot.settle()
        p.kept.clear()
        p.apply(removal_sha, "success", "Apply complete! Resources: 1 destroyed.")
        p.bot.clock.advance(minutes=2)
        p.bot.reconcile()
        deleted = p.bot.store.get(request_id)
        assert deleted is not None and deleted.state == State.DELETED, deleted


def test_one_listing_of_open_pull_requests_per_pass_serves_creations_and_removals(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy("manual")) as p:
        request_id, _ = merged(p)
        p.applied.set()
        p.bot.clock.advance(minutes=1)
        p.bot.reconcile()
        p.kept.update(p.bot.store.get(request_id).files)  # type: ignore[union-attr]
        response = p.bot.send.submit_view(ALICE.id, View.CONFIRM_DELETE.value, {}, private_metadata=request_id)
        assert response.status == 200
        p.bot.settle()
        p.bot.ask(ALICE, name="second-one")
        second = next(r for r in p.bot.store.find(owner_user_id=ALICE.id) if r.display_name == "second-one")
        p.bot.approve(second.id, ADMIN)

        p.github.merge(p.github.pulls[1].number)  # the removal, merged with its webhook lost
        p.kept.clear()
        before = len(p.github.calls)
        p.bot.reconcile()  # no clock advance: the removal's own poll is not due
        listings = [
            c for c in p.github.calls[before:] if c.path == "/repos/acme/infra/pulls" and c.query.get("state") == "open"
        ]
        assert len(listings) == 1
        deleted = p.bot.store.get(request_id)
        assert deleted is not None and deleted.state == State.DELETED


def test_a_passed_apply_has_google_asked_at_once_so_the_url_need_not_wait_for_the_next_poll(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy("manual")) as p:
        request_id, sha = merged(p)  # Google had nothing yet when the merge was seen
        p.applied.set()
        p.apply(sha, "success", "Apply complete! Resources: 1 added.")  # no reconcile pass, no time passing
        final = p.bot.store.get(request_id)
        assert final is not None and final.state == State.READY
        assert any("Open JupyterLab" in json.dumps(m) for m in p.bot.messages_to(ALICE.id))
