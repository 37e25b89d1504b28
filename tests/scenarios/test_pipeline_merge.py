"""``repo.merge: when_checks_pass``: the bot merges an approved pull request once its plan passed, through the
real HTTP server, signed ``status`` webhooks and a loopback GitHub that refuses merges the way GitHub does."""

from __future__ import annotations

import json
from pathlib import Path

from bot.domain.states import State
from bot.infra.base import PLAN
from bot.slack.ids import Action, View
from bot.store.base import Store
from bot.store.sqlite import SqliteStore
from tests.support.github_webhook import post_webhook, status_event
from tests.support.harness import ADMIN, ALICE
from tests.support.lifecycle_support import wait_until
from tests.support.pipeline import RUN, SECRET, Pipeline, merging_policy, pipeline

PLAN_ERROR = 'Error: Unsupported argument: An argument named "machine_typo" is not expected here.'


def approved(p: Pipeline) -> str:
    p.bot.ask(ALICE)
    request = p.bot.only_request(ALICE)
    p.bot.approve(request.id, ADMIN)
    opened = p.bot.store.get(request.id)
    assert opened is not None and opened.state == State.PR_OPEN
    return request.id


def merges(p: Pipeline) -> list[str]:
    return [c.path for c in p.github.calls if c.method == "PUT" and c.path.endswith("/merge")]


def said_to(p: Pipeline, channel: str) -> str:
    """Everything the bot posted or updated in a channel or DM, text and blocks."""
    calls = [c.args for c in p.bot.slack.calls() if c.method in ("chat.postMessage", "chat.update")]
    return "\n".join(json.dumps(c) for c in calls if c.get("channel") in (channel, "D" + channel[1:]))


def test_an_approved_pull_request_is_merged_once_its_plan_passed_and_the_url_follows(
    tmp_path: Path, any_store: Store
) -> None:
    with pipeline(tmp_path, any_store, merging_policy()) as p:
        request_id = approved(p)
        pull = p.pull_request(request_id)
        assert merges(p) == []  # the plan has not run yet: nothing is merged

        p.plan(request_id, "pending", "Terraform is planning")
        assert merges(p) == [] and pull.state == "open"

        p.applied.set()
        p.plan(request_id, "success", "Plan: 1 to add, 0 to change, 0 to destroy.")
        assert merges(p) == [f"/repos/acme/infra/pulls/{pull.number}/merge"]
        assert p.github.merge_methods == ["squash"]
        assert pull.merged
        final = p.bot.store.get(request_id)
        assert final is not None and final.state == State.READY, final
        assert final.pull_request is not None and final.pull_request.merged_by == "notebook-bot"
        assert final.pull_request.merge_sha == pull.merge_sha
        assert any(a.action == "merged by the bot" for a in p.bot.store.audit_trail(request_id))
        assert "merged by the bot once its plan passed" in said_to(p, ALICE.id)
        assert "merged by the bot once its plan passed" in said_to(p, "C0ADMINS")

        p.plan(request_id, "success", "again")  # a late duplicate: nothing is merged twice
        assert len(merges(p)) == 1


def test_with_manual_merges_the_bot_never_merges(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy("manual")) as p:
        request_id = approved(p)
        p.plan(request_id, "success", "Plan: 1 to add")
        p.bot.reconcile()
        assert merges(p) == []
        current = p.bot.store.get(request_id)
        assert current is not None and current.state == State.PR_OPEN


def test_a_passed_plan_is_noticed_by_reconcile_when_its_webhook_is_lost(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy(merge_method="rebase")) as p:
        request_id = approved(p)
        p.applied.set()
        p.plan(request_id, "success", "Plan: 1 to add", webhook=False)
        status_reads = [c for c in p.github.calls if c.path.endswith("/status")]
        p.bot.reconcile()
        assert p.github.merge_methods == ["rebase"]
        assert len([c for c in p.github.calls if c.path.endswith("/status")]) == len(status_reads) + 1
        final = p.bot.store.get(request_id)
        assert final is not None and final.state == State.READY


def test_a_failed_plan_stops_there_tells_owner_and_admins_and_retry_pushes_again(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy()) as p:
        request_id = approved(p)
        pull = p.pull_request(request_id)
        first_head = pull.head_sha
        p.plan(request_id, "failure", PLAN_ERROR)
        failed = p.bot.store.get(request_id)
        assert failed is not None and failed.state == State.FAILED and failed.failed_from == State.PR_OPEN
        assert failed.last_error == f"the plan failed: {PLAN_ERROR}"
        assert merges(p) == []
        to_alice = [m["text"] for m in p.bot.messages_to(ALICE.id)]
        assert any("machine_typo" in t and "pipeline failed" in t for t in to_alice), to_alice
        assert RUN not in said_to(p, ALICE.id)  # the run's link is for admins
        alerts = [m for m in p.bot.messages_to("C0ADMINS") if "machine_typo" in str(m)]
        assert len(alerts) == 1 and RUN in json.dumps(alerts[0]) and Action.RETRY.value in json.dumps(alerts[0])

        p.plan(request_id, "failure", PLAN_ERROR)  # the same failure again: nobody is told twice
        assert len([m for m in p.bot.messages_to("C0ADMINS") if "machine_typo" in str(m)]) == 1

        p.bot.send.click(ADMIN.id, Action.RETRY.value, request_id)
        p.bot.settle()
        assert wait_until(lambda: pull.head_sha != first_head), "Retry pushed no new commit"
        assert p.github.pull_for(pull.branch) is pull and len(p.github.pulls) == 1  # same branch, same PR
        retried = p.bot.store.get(request_id)
        assert retried is not None and retried.state == State.PR_OPEN

        p.applied.set()
        p.plan(request_id, "success", "Plan: 1 to add")  # on the new head
        final = p.bot.store.get(request_id)
        assert final is not None and final.state == State.READY


def test_a_merge_refused_as_not_mergeable_is_left_for_a_person_and_admins_are_told_once(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy()) as p:
        request_id = approved(p)
        pull = p.pull_request(request_id)
        p.github.refuse_merge(pull.number)  # GitHub: 405 "Pull Request is not mergeable"
        p.plan(request_id, "success", "Plan: 1 to add")
        current = p.bot.store.get(request_id)
        assert current is not None and current.state == State.PR_OPEN
        assert current.pull_request is not None and "merge conflict" in current.pull_request.merge_refused
        told = [m for m in p.bot.messages_to("C0ADMINS") if "did not merge" in str(m.get("text"))]
        assert len(told) == 1 and "Pull Request is not mergeable" in told[0]["text"]

        p.plan(request_id, "success", "Plan: 1 to add")
        p.bot.reconcile()
        assert len(merges(p)) == 1  # not tried again: it waits for a person
        assert len([m for m in p.bot.messages_to("C0ADMINS") if "did not merge" in str(m.get("text"))]) == 1

        p.applied.set()
        p.merge_by_hand(current)
        final = p.bot.store.get(request_id)
        assert final is not None and final.state == State.READY


def test_a_merge_that_needs_a_review_says_so(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy()) as p:
        request_id = approved(p)
        pull = p.pull_request(request_id)
        p.github.refuse_merge(pull.number, "At least 1 approving review is required by reviewers with write access.")
        p.plan(request_id, "success", "Plan: 1 to add")
        told = [m["text"] for m in p.bot.messages_to("C0ADMINS") if "did not merge" in str(m.get("text"))]
        assert len(told) == 1 and "requires an approving review" in told[0]


def test_a_branch_that_moved_after_its_plan_is_not_merged_409(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy()) as p:
        request_id = approved(p)
        pull = p.pull_request(request_id)
        p.github.set_status(pull.head_sha, PLAN, "success", "Plan: 1 to add", RUN)
        # Somebody pushes while the bot reads the plan: the bot merges the head it saw pass, GitHub says 409.
        p.github.delay("GET", r"/commits/[0-9a-f]+/status$", 1.0)
        calls = len(p.github.calls)
        p.bot.app.background.submit("reconcile", p.bot.app.reconciler.run_once)
        assert wait_until(lambda: any(c.path.endswith("/status") for c in p.github.calls[calls:]), 5)
        p.github.push(pull.branch, {"environments/extra.tf": "# a person's change\n"})
        p.bot.settle()
        current = p.bot.store.get(request_id)
        assert current is not None and current.state == State.PR_OPEN and not pull.merged
        assert current.pull_request is not None and "branch changed" in current.pull_request.merge_refused
        told = [m["text"] for m in p.bot.messages_to("C0ADMINS") if "did not merge" in str(m.get("text"))]
        assert len(told) == 1 and "Head branch was modified" in told[0]


def delete(p: Pipeline, user_id: str, request_id: str) -> None:
    """``/notebook delete``, confirmed in its dialog, as Slack sends it."""
    response = p.bot.send.submit_view(user_id, View.CONFIRM_DELETE.value, {}, private_metadata=request_id)
    assert response.status == 200
    p.bot.settle()


def test_a_removal_pull_request_is_merged_once_its_plan_passed(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy()) as p:
        request_id = approved(p)
        p.applied.set()
        p.plan(request_id, "success", "Plan: 1 to add")
        ready = p.bot.store.get(request_id)
        assert ready is not None and ready.state == State.READY

        delete(p, ALICE.id, request_id)
        deleting = p.bot.store.get(request_id)
        assert deleting is not None and deleting.state == State.DELETING and deleting.pull_request is not None
        assert deleting.pull_request.purpose == "remove" and deleting.pull_request.number == 2
        assert len(merges(p)) == 1
        p.plan(request_id, "success", "Plan: 0 to add, 0 to change, 1 to destroy.")
        assert len(merges(p)) == 2 and p.github.pulls[1].merged
        deleted = p.bot.store.get(request_id)
        assert deleted is not None and deleted.state == State.DELETED, deleted


def test_a_status_webhook_is_verified_and_deduped_like_the_pull_request_one(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy()) as p:
        request_id = approved(p)
        pull = p.pull_request(request_id)
        status = p.github.set_status(pull.head_sha, PLAN, "success", "Plan: 1 to add", RUN)
        event = status_event(pull.head_sha, PLAN, "success", branches=(pull.branch,), status_id=status["id"])
        body = json.dumps(event).encode()
        assert post_webhook(p.bot.server.url, body, secret="not-the-secret", event="status")[0] == 401
        p.bot.settle()
        assert merges(p) == []

        # A forged-but-signed "success" for a head whose real status says otherwise moves nothing: the bot
        # reads the status back from GitHub.
        p.github.set_status(pull.head_sha, PLAN, "pending", "planning again", RUN)
        assert post_webhook(p.bot.server.url, body, secret=SECRET, delivery="same", event="status")[0] == 202
        p.bot.settle()
        assert merges(p) == []

        p.github.set_status(pull.head_sha, PLAN, "success", "Plan: 1 to add", RUN)
        assert post_webhook(p.bot.server.url, body, secret=SECRET, delivery="same", event="status") == (
            200,
            {"duplicate": True},
        )
        p.bot.settle()
        assert merges(p) == []
        assert post_webhook(p.bot.server.url, body, secret=SECRET, delivery="another", event="status")[0] == 202
        p.bot.settle()
        assert len(merges(p)) == 1


def test_a_person_may_still_merge_after_a_failed_plan_and_the_request_follows(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy()) as p:
        request_id = approved(p)
        p.plan(request_id, "failure", PLAN_ERROR)
        failed = p.bot.store.get(request_id)
        assert failed is not None and failed.state == State.FAILED
        p.applied.set()
        p.github.merge(p.pull_request(request_id).number)  # the admin knows better; the webhook is lost
        p.bot.reconcile()
        final = p.bot.store.get(request_id)
        assert final is not None and final.state == State.READY and final.last_error is None


def test_a_removal_whose_plan_failed_is_pushed_again_by_retry_and_then_merged(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy()) as p:
        request_id = approved(p)
        p.applied.set()
        p.plan(request_id, "success", "Plan: 1 to add")
        delete(p, ALICE.id, request_id)
        removal = p.pull_request(request_id)
        first_head = removal.head_sha
        p.plan(request_id, "failure", "Error: Instance cannot be destroyed: lifecycle.prevent_destroy is set")
        failed = p.bot.store.get(request_id)
        assert failed is not None and failed.state == State.FAILED and failed.failed_from == State.DELETING
        assert not removal.merged and "prevent_destroy" in (failed.last_error or "")

        p.bot.send.click(ADMIN.id, Action.RETRY.value, request_id)
        p.bot.settle()
        assert wait_until(lambda: removal.head_sha != first_head), "Retry pushed no new commit to the removal"
        p.plan(request_id, "success", "Plan: 0 to add, 0 to change, 1 to destroy.")
        assert removal.merged
        deleted = p.bot.store.get(request_id)
        assert deleted is not None and deleted.state == State.DELETED


def test_a_plan_status_that_names_no_branch_is_matched_to_its_pull_request_by_head(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy()) as p:
        request_id = approved(p)
        pull = p.pull_request(request_id)
        status = p.github.set_status(pull.head_sha, PLAN, "success", "Plan: 1 to add", RUN)
        event = status_event(pull.head_sha, PLAN, "success", branches=(), status_id=status["id"])
        assert p.webhook(event, "status") == 202
        assert len(merges(p)) == 1 and pull.merged


def test_a_pull_request_merged_meanwhile_by_someone_else_is_no_refusal(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    with pipeline(tmp_path, sqlite_store, merging_policy()) as p:
        request_id = approved(p)
        pull = p.pull_request(request_id)
        p.github.set_status(pull.head_sha, PLAN, "success", "Plan: 1 to add", RUN)
        p.applied.set()
        # While the bot reads the plan, another instance (or a person) merges: GitHub then answers 405.
        p.github.delay("GET", r"/commits/[0-9a-f]+/status$", 1.0)
        calls = len(p.github.calls)
        p.bot.app.background.submit("reconcile", p.bot.app.reconciler.run_once)
        assert wait_until(lambda: any(c.path.endswith("/status") for c in p.github.calls[calls:]), 5)
        p.github.merge(pull.number)
        p.bot.settle()
        assert any(c.path.endswith("/merge") and c.status == 405 for c in p.github.calls)
        final = p.bot.store.get(request_id)
        assert final is not None and final.state == State.READY
        assert final.pull_request is not None and not final.pull_request.merge_refused
        assert not [m for m in p.bot.messages_to("C0ADMINS") if "did not merge" in str(m.get("text"))]
