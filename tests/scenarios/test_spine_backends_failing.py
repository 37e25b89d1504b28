"""A failing infra repository delays work but never loses it; nothing is done twice."""

from __future__ import annotations

from pathlib import Path

from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.domain.transitions import step_to
from bot.infra.base import FileChange
from bot.infra.local_git import LocalGitRepo
from bot.store.sqlite import SqliteStore
from bot.workflow.rendering import render
from tests.support.harness import ADMIN, ALICE, Harness, running_bot
from tests.support.lifecycle_support import FlakyRepo


def test_an_approval_during_a_repo_outage_becomes_a_pr_when_it_returns(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    repo = FlakyRepo(tmp_path / "infra")
    repo.failing = True
    with running_bot(tmp_path, sqlite_store, repo=repo) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id, ADMIN)
        waiting = bot.store.get(request.id)
        assert waiting is not None and waiting.state == State.APPROVED
        assert waiting.attempts == 1 and "HTTP 502 from the git host" in (waiting.last_error or "")

        bot.reconcile()  # not yet due: backoff
        assert bot.store.get(request.id).attempts == 1  # type: ignore[union-attr]

        repo.failing = False
        bot.clock.advance(minutes=5)
        bot.reconcile()
        bot.reconcile()  # a second pass finds nothing to do twice
        after = bot.store.get(request.id)
        assert after is not None and after.state == State.PR_OPEN and after.last_error is None
        assert _pull_requests(repo) == 1


def test_a_repo_that_never_returns_fails_the_request_and_alerts_the_admins(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    repo = FlakyRepo(tmp_path / "infra")
    repo.failing = True
    with running_bot(tmp_path, sqlite_store, repo=repo) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id, ADMIN)
        for _ in range(10):
            bot.clock.advance(hours=2)
            bot.reconcile()
        failed = bot.store.get(request.id)
        assert failed is not None and failed.state == State.FAILED
        assert failed.failed_from == State.APPROVED and "gave up after 5 attempts" in (failed.last_error or "")
        alerts = [m for m in bot.messages_to("C0ADMINS") if "failed" in m["text"]]
        assert len(alerts) == 1
        assert "retry" in str(alerts[0]["blocks"]).lower()


def _approved_by_a_crashed_instance(bot: Harness) -> EnvironmentRequest:
    """A request an instance approved (and maybe opened the PR of) before it crashed: no PR recorded."""
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    approve = step_to(State.APPROVED, expected={State.PENDING_APPROVAL}, actor=ADMIN.id, at=bot.clock())
    approved = bot.store.apply(request.id, approve)
    assert approved is not None
    return approved


def _pull_requests(repo: LocalGitRepo) -> int:
    return len(list((repo.path / ".git" / "notebook-bot" / "pulls").glob("*.json")))


def test_a_crash_after_opening_the_pr_but_before_recording_it_adopts_the_pr(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    repo = LocalGitRepo(tmp_path / "infra")
    with running_bot(tmp_path, sqlite_store, repo=repo) as bot:
        request = _approved_by_a_crashed_instance(bot)
        repo.open_pull_request(
            FileChange(branch=f"notebook-bot/{request.id}", title="t", body="b", files={"environments/x.tf": "# x\n"})
        )
        bot.reconcile()
        after = bot.store.get(request.id)
        assert after is not None and after.state == State.PR_OPEN
        assert _pull_requests(repo) == 1


def test_a_pr_merged_and_its_branch_deleted_before_the_retry_is_adopted_not_reopened(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    repo = LocalGitRepo(tmp_path / "infra")
    with running_bot(tmp_path, sqlite_store, repo=repo) as bot:
        request = _approved_by_a_crashed_instance(bot)
        # An instance opened the PR and crashed; a reviewer merged it and GitHub deleted the branch.
        template = bot.policy.template(request.template_id)
        assert template is not None
        files = {f.path: f.content for f in render(request, template, bot.policy).files}
        branch = f"notebook-bot/{request.id}"
        repo.open_pull_request(FileChange(branch=branch, title="t", body="b", files=files))
        repo.merge(branch)
        repo.close(branch)
        bot.reconcile()
        after = bot.store.get(request.id)
        assert after is not None and after.state == State.READY
        assert _pull_requests(repo) == 1


def test_a_google_error_during_applying_does_not_stop_the_readiness_timeout(
    tmp_path: Path, sqlite_store: SqliteStore
) -> None:
    from bot.cloud.base import CloudEnvironment, CloudError, CloudStatus

    class NeverThere:
        """Google refuses once (a permission still propagating), then the instance never appears."""

        def __init__(self) -> None:
            self.calls = 0

        def status(self, env: CloudEnvironment) -> CloudStatus:
            self.calls += 1
            if self.calls == 1:
                raise CloudError("the bot's service account lacks notebooks.instances.get")
            return CloudStatus("NOT_FOUND")

        def start(self, env: CloudEnvironment) -> CloudStatus:
            raise AssertionError

        stop = start

    with running_bot(tmp_path, sqlite_store, cloud=lambda repo: NeverThere()) as bot:  # type: ignore[arg-type,return-value]
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id, ADMIN)
        bot.merge(request)
        bot.reconcile()
        assert bot.store.get(request.id).state == State.APPLYING  # type: ignore[union-attr]
        for _ in range(30):
            bot.clock.advance(minutes=5)
            bot.reconcile()
        failed = bot.store.get(request.id)
        assert failed is not None and failed.state == State.FAILED and failed.failed_from == State.APPLYING
        assert "not ready" in (failed.last_error or "")
