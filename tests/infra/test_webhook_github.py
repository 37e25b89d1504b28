"""GitHub webhooks: only correctly signed deliveries count; only merges and closes of our PRs matter."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from bot.infra.base import APPLY, PLAN
from bot.infra.webhook import (
    PullRequestEvent,
    StatusEvent,
    parse_pull_request_event,
    parse_status_event,
    verify_signature,
)
from tests.support.github_webhook import status_event

SECRET = b"webhook-secret"


def sign(body: bytes, secret: bytes = SECRET) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def closed(
    merged: bool, *, branch: str = "notebook-bot/alice", repo: str = "acme/infra", head_repo: str | None = None
) -> dict[str, Any]:
    return {
        "action": "closed",
        "number": 7,
        "repository": {"full_name": repo},
        "pull_request": {
            "number": 7,
            "merged": merged,
            "html_url": "https://github.com/acme/infra/pull/7",
            "head": {"ref": branch, "repo": {"full_name": head_repo or repo}},
            "state": "closed",
        },
    }


def test_a_correctly_signed_delivery_is_accepted() -> None:
    body = json.dumps(closed(True)).encode()
    assert verify_signature(SECRET, body, sign(body))


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha1=abc", "sha256=" + "0" * 64, "sha256=zz\u00e9"])
def test_missing_or_wrong_signatures_are_refused(header: str | None) -> None:
    assert not verify_signature(SECRET, b"{}", header)


def test_a_signature_made_with_another_secret_or_over_another_body_is_refused() -> None:
    body = b'{"action": "closed"}'
    assert not verify_signature(SECRET, body, sign(body, b"other-secret"))
    assert not verify_signature(SECRET, body + b" ", sign(body))


def test_without_a_configured_secret_nothing_is_accepted() -> None:
    assert not verify_signature(b"", b"{}", sign(b"{}", b""))


def test_a_merged_pull_request_is_a_merge() -> None:
    assert parse_pull_request_event("pull_request", closed(True)) == PullRequestEvent(
        branch="notebook-bot/alice",
        number=7,
        url="https://github.com/acme/infra/pull/7",
        state="merged",
        action="closed",
    )


def test_a_pull_request_closed_without_merging_is_a_close() -> None:
    event = parse_pull_request_event("pull_request", closed(False))
    assert event is not None and event.state == "closed"


@pytest.mark.parametrize(
    "event, payload",
    [
        ("pull_request", {**closed(True), "action": "opened"}),
        ("pull_request", {**closed(True), "action": "synchronize"}),
        ("push", closed(True)),
        ("ping", {"zen": "Keep it logically awesome.", "hook_id": 1}),
        ("pull_request", {"action": "closed"}),
        ("pull_request", {"action": "closed", "pull_request": {"number": "7", "head": {"ref": "x"}}}),
    ],
)
def test_other_events_and_actions_are_ignored(event: str, payload: dict[str, Any]) -> None:
    assert parse_pull_request_event(event, payload) is None


def test_pull_requests_of_other_repositories_or_branches_are_ignored_when_asked() -> None:
    def parse(payload: dict[str, Any]) -> PullRequestEvent | None:
        return parse_pull_request_event(
            "pull_request", payload, repo_full_name="acme/infra", branch_prefix="notebook-bot/"
        )

    assert parse(closed(True)) is not None
    assert parse(closed(True, repo="acme/other")) is None
    assert parse(closed(True, branch="someone/feature")) is None
    assert parse(closed(True, head_repo="mallory/infra")) is None  # a fork's branch named like ours


def test_a_finished_plan_or_apply_status_is_an_event_with_our_branches() -> None:
    payload = status_event("a" * 40, PLAN, "failure", description="Error: x", branches=("notebook-bot/r1", "main"))
    event = parse_status_event("status", payload, repo_full_name="acme/infra", branch_prefix="notebook-bot/")
    assert event == StatusEvent(sha="a" * 40, context=PLAN, state="failure", branches=("notebook-bot/r1",))
    applied = parse_status_event("status", status_event("b" * 40, APPLY, "success", branches=("main",)))
    assert applied is not None and applied.context == APPLY and applied.branches == ("main",)


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("status", status_event("a" * 40, PLAN, "pending")),
        ("status", status_event("a" * 40, "ci/build", "failure")),
        ("status", status_event("a" * 40, PLAN, "failure", repo="mallory/infra")),
        ("pull_request", status_event("a" * 40, PLAN, "failure")),
        ("status", {"context": PLAN, "state": "failure"}),
    ],
)
def test_pending_other_contexts_other_repositories_and_malformed_statuses_are_ignored(
    event: str, payload: dict[str, Any]
) -> None:
    assert parse_status_event(event, payload, repo_full_name="acme/infra", branch_prefix="notebook-bot/") is None
