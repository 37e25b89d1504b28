"""The pull-request machinery every flow shares (bot/workflow/pull_requests.py): retry with backoff, failing
with the admins told, branch names for repeated removals, the merge commit recorded where the apply reports.

Real parts (SQLite, a local git repository, the simulated cloud); the notifier is a recorder of what it was told,
since how it is said is the Slack layer's (tests/slack/). Written where mutation testing found these rules
changeable without a failing test."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cloud.simulated import SimulatedCloud
from bot.config.load import load_policy
from bot.domain.notices import Notice, RequestFailed
from bot.domain.request import AuditRecord, EnvironmentRequest, PullRequestRef, SlackRefs
from bot.domain.states import State
from bot.domain.transitions import step_to
from bot.infra.base import PullRequest
from bot.infra.local_git import LocalGitRepo
from bot.store.sqlite import SqliteStore
from bot.workflow.background import Inline
from bot.workflow.jobs import JobQueue
from bot.workflow.ports import Deps, failure_key
from bot.workflow.pull_requests import (
    BOT,
    backoff,
    branch_for,
    fail,
    github_plain,
    is_removal,
    pull_request_body,
    pull_request_title,
    removal_branch,
    retry_later,
    with_merge_sha,
)
from tests.store.examples import a_request
from tests.support.harness import FakeClock


class Told:
    """The notifier port, recording what it was told."""

    def __init__(self) -> None:
        self.alerts: list[tuple[str, str, Notice]] = []
        self.progress_of: list[State] = []

    def request_received(self, request: EnvironmentRequest) -> None: ...

    def approval_needed(self, request: EnvironmentRequest) -> None: ...

    def progress(self, request: EnvironmentRequest) -> None:
        self.progress_of.append(request.state)

    def ready(self, request: EnvironmentRequest) -> None: ...

    def tell_owner(self, request: EnvironmentRequest, key: str, notice: Notice) -> None: ...

    def alert_admins(self, request: EnvironmentRequest, key: str, notice: Notice) -> None:
        self.alerts.append((request.id, key, notice))

    def resend_missing(self, request: EnvironmentRequest) -> int:
        return 0


@pytest.fixture
def deps(tmp_path: Path, sqlite_store: SqliteStore) -> Deps:
    policy = load_policy(None)
    repo = LocalGitRepo(tmp_path / "infra")
    return Deps(
        policy=policy,
        store=sqlite_store,
        repo=repo,
        cloud=SimulatedCloud(repo.exists_on_base, policy.gcp.region),
        notifier=Told(),
        clock=FakeClock(),
        background=Inline(),
        jobs=JobQueue(sqlite_store, instance="test", inline=True),
    )


def stored(d: Deps, request: EnvironmentRequest) -> EnvironmentRequest:
    d.store.add(request, AuditRecord(request.id, request.created_at, "U0ALICE", "submitted"))
    found = d.store.get(request.id)
    assert found is not None
    return found


def told(d: Deps) -> Told:
    assert isinstance(d.notifier, Told)
    return d.notifier


def test_retries_back_off_one_two_four_minutes_and_never_more_than_an_hour() -> None:
    minutes = [backoff(n) / timedelta(minutes=1) for n in (0, 1, 2, 3, 4, 6, 7, 12)]
    assert minutes == [1, 1, 2, 4, 8, 32, 60, 60]


@pytest.mark.parametrize(
    ("purpose", "removal"), [("remove", True), ("remove-2", True), ("", False), ("removed", False)]
)
def test_a_removal_branch_is_remove_or_remove_n(purpose: str, removal: bool) -> None:
    assert is_removal(purpose) is removal


def test_each_removal_after_a_closed_one_gets_a_branch_of_its_own() -> None:
    policy = load_policy(None)
    request = a_request(state=State.DELETING)
    base = branch_for(policy, request, "remove")
    url = "https://example/pull/1"

    def after(branch: str, purpose: str = "remove", **changes: object) -> str:
        ref = PullRequestRef(1, url, branch, purpose)
        return removal_branch(request.with_changes(pull_request=ref, **changes), policy)

    assert removal_branch(request, policy) == base  # no pull request yet
    assert after(branch_for(policy, request), "create") == base  # only its creation's
    assert after("elsewhere/" + request.id + "-remove") == base  # a removal branch of another prefix
    assert after(base) == f"{base}-2"
    assert after(f"{base}-2") == f"{base}-3"
    assert after(f"{base}-9") == f"{base}-10"
    # Retrying a removal that failed reuses its branch: its pull request may exist already.
    assert after(f"{base}-2", state=State.FAILED, failed_from=State.DELETING) == f"{base}-2"
    assert after(f"{base}-2", state=State.FAILED, failed_from=State.APPLYING) == f"{base}-3"


def test_a_failed_attempt_is_counted_and_retried_after_its_backoff(deps: Deps) -> None:
    request = stored(deps, a_request(state=State.APPROVED))
    entered = request.updated_at
    deps.clock.advance(minutes=3)  # type: ignore[attr-defined]
    once = retry_later(deps, request, State.APPROVED, "HTTP 502 from the git host")
    assert once is not None and once.state == State.APPROVED
    assert (once.attempts, once.last_error) == (1, "HTTP 502 from the git host")
    assert once.due_at == deps.clock() + backoff(1)
    assert once.updated_at == entered  # timeouts count from when it entered the state, not from each retry
    twice = retry_later(deps, once, State.APPROVED, "HTTP 502 again")
    assert twice is not None and twice.attempts == 2 and twice.due_at == deps.clock() + backoff(2)
    assert not told(deps).alerts


def test_the_last_attempt_fails_it_and_tells_the_admins(deps: Deps) -> None:
    limit = deps.policy.limits.provisioning_attempts
    request = stored(deps, a_request(state=State.APPROVED, attempts=limit - 1))
    failed = retry_later(deps, request, State.APPROVED, "HTTP 502 from the git host")
    assert failed is not None and failed.state == State.FAILED
    assert failed.last_error == f"gave up after {limit} attempts: HTTP 502 from the git host"


def test_failing_records_why_clears_the_schedule_and_alerts_the_admins_once_per_failure(deps: Deps) -> None:
    earlier_alert = SlackRefs(alert_ts="1700000000.000100")  # the alert about an earlier failure
    request = stored(deps, a_request(state=State.APPLYING, due_at=deps.clock(), slack=earlier_alert))
    deps.clock.advance(minutes=1)  # type: ignore[attr-defined]
    failed = fail(deps, request, State.APPLYING, "not ready 1:00:00 after the merge")
    assert failed is not None and failed.state == State.FAILED and failed.failed_from == State.APPLYING
    assert failed.last_error == "not ready 1:00:00 after the merge" and failed.due_at is None
    assert failed.slack.alert_ts is None  # a new failure needs a new alert (reconcile resends a lost one)
    (audit,) = [a for a in deps.store.audit_trail(request.id) if a.to_state == State.FAILED.value]
    assert (audit.actor, audit.detail) == (BOT, "not ready 1:00:00 after the merge")
    ((request_id, key, notice),) = told(deps).alerts
    assert (request_id, key) == (request.id, failure_key(failed))
    assert notice == RequestFailed(request.id, "alice@example.com", "not ready 1:00:00 after the merge")
    assert told(deps).progress_of == [State.FAILED]
    assert fail(deps, failed, State.APPLYING, "again") is None  # it moved on already: nothing twice
    assert len(told(deps).alerts) == 1


def test_a_merge_records_the_commit_it_made_on_the_requests_own_pull_request(deps: Deps) -> None:
    ref = PullRequestRef(7, "https://example/pull/7", "notebook-bot/r2b3c4d5e6")
    request = stored(deps, a_request(state=State.PR_OPEN, pull_request=ref))
    to_applying = step_to(State.APPLYING, expected={State.PR_OPEN}, actor=BOT, at=deps.clock(), detail="merged")

    def merged(merge_sha: str, branch: str = ref.branch) -> PullRequest:
        return PullRequest(7, ref.url, branch, "merged", merge_sha=merge_sha)

    change = with_merge_sha(merged("abc123"), to_applying)(request)
    assert change is not None and change.request.pull_request == replace(ref, merge_sha="abc123")
    assert change.audit is not None and change.audit.detail == "merged"
    for other in (merged(""), merged("abc123", "notebook-bot/someone-else")):  # no commit, or not its own
        unchanged = with_merge_sha(other, to_applying)(request)
        assert unchanged is not None and unchanged.request.pull_request == ref and unchanged.audit is not None
    no_ref = with_merge_sha(merged("abc123"), to_applying)(request.with_changes(pull_request=None))
    assert no_ref is not None and no_ref.request.pull_request is None


def test_a_reviewer_reads_the_creation_pull_request_exactly_so() -> None:
    request = a_request(decided_by="U0ADMIN1")
    assert pull_request_title(request, "create") == "notebook: churn model for alice@example.com (cpu-small)"
    assert pull_request_body(request, "create") == "\n".join(
        [
            f"Creates the notebook environment `{request.env_name}` for alice@example.com.",
            "",
            "| | |",
            "|---|---|",
            f"| Request | `{request.id}` |",
            "| Owner | alice@example.com (Slack U0ALICE) |",
            "| Template | `cpu-small` (workbench) |",
            "| Name | churn model |",
            f"| Idle shutdown | {request.idle_minutes} min |",
            f"| Lifetime | {request.lifetime_days} days |",
            "| Approved by | U0ADMIN1 |",
            "",
            f"Opened by notebook-bot. `/notebook audit {request.id}` in Slack shows its history.",
        ]
    )


def test_a_reviewer_reads_the_removal_pull_request_with_its_reason() -> None:
    request = a_request(state=State.DELETING, end_reason="deleted by Alice")
    title = pull_request_title(request, "remove")
    assert title == "notebook: remove churn model of alice@example.com (deleted by Alice)"
    body = pull_request_body(request, "remove")
    assert body.startswith(f"Removes the notebook environment `{request.env_name}` for alice@example.com.\n\n")
    assert "| Approved by | - |" in body  # nobody decided (yet): a dash, not an empty cell
    assert body.endswith("`/notebook audit " + request.id + "` in Slack shows its history.\n\nWhy: deleted by Alice.")
    no_reason = request.with_changes(end_reason=None)
    assert pull_request_title(no_reason, "remove").endswith("of alice@example.com ()")
    assert pull_request_body(no_reason, "remove").endswith("\n\nWhy: .")


def test_long_words_are_cut_to_their_field_in_the_title() -> None:
    request = a_request(
        display_name="n" * 100,
        owner_email="e" * 130 + "@example.com",
        template_id="t" * 70,
        end_reason="r" * 130,
    )
    created = pull_request_title(request, "create")
    assert created == f"notebook: {'n' * 80} for {'e' * 120} ({'t' * 60})"
    removed = pull_request_title(request, "remove")
    assert removed == f"notebook: remove {'n' * 80} of {'e' * 120} ({'r' * 120})"


def test_words_with_control_characters_become_one_line() -> None:
    assert github_plain("churn\tmodel\nfor\x00Q1") == "churn model for Q1"
    assert github_plain("x" * 400) == "x" * 300  # the default limit
