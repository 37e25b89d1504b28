"""The infra repository interface: one commit on a branch per change, and a pull request for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bot.domain.errors import TryAgainLater

PullRequestState = Literal["open", "merged", "closed"]
# The commit statuses the infrastructure pipeline sets (DESIGN §4): the plan on a pull request's head commit,
# the apply on the merged commit.
PLAN = "notebook-bot/plan"
APPLY = "notebook-bot/apply"


# What a retriable failure promises; a request that has given up must not repeat it.
RETRY_PROMISE = "Nothing is lost: the bot will try again."


class RepoUnavailable(TryAgainLater):
    """The repository host did not answer or refused; the change was not made (it will be retried)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"The infrastructure repository is not answering right now ({detail}). {RETRY_PROMISE}")
        self.detail = detail


@dataclass(frozen=True)
class FileChange:
    """What one pull request does: files to write (path -> content) and paths to delete, on one branch."""

    branch: str
    title: str
    body: str
    files: Mapping[str, str] = field(default_factory=dict)
    deletions: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    team_reviewers: tuple[str, ...] = ()


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    branch: str
    state: PullRequestState
    title: str = ""
    head_sha: str = ""  # the commit the plan runs on
    merge_sha: str = ""  # once merged: the commit on the base branch the apply runs on


@dataclass(frozen=True)
class CommitStatus:
    """The latest commit status of one context (GitHub's ``state``: success, failure, error or pending)."""

    context: str
    state: str
    description: str = ""
    target_url: str = ""
    id: str = ""  # GitHub's status id: a re-run sets a new status with a new id

    @property
    def failed(self) -> bool:
        return self.state in ("failure", "error")


class MergeRefused(Exception):
    """The repository refused the bot's merge for a reason a person must look at (not an outage).

    ``reason`` is the sentence people read: which of branch protection, a conflict or a moved head it was.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InfraRepo(Protocol):
    """A git host: the local repository (embedded) or GitHub (production)."""

    base_branch: str

    def open_pull_request(self, change: FileChange) -> PullRequest:
        """Commits ``change`` on its branch and opens a pull request to the base branch.

        Idempotent by branch name: when the branch or pull request already exists (a retry after a crash
        or a timeout), the existing pull request is returned and nothing is created twice.
        """

    def find_pull_request(self, branch: str) -> PullRequest | None:
        """The pull request from ``branch`` (open, merged or closed), or None."""

    def open_pull_requests(self) -> list[PullRequest]:
        """Every open pull request the bot opened (its branches start with the bot's prefix)."""

    def exists_on_base(self, path: str) -> bool:
        """Whether ``path`` is a file on the base branch (that is, applied or about to be)."""

    def commit_status(self, sha: str, context: str) -> CommitStatus | None:
        """The latest status of ``context`` on commit ``sha`` (from its combined status), or None if unset."""

    def merge_pull_request(self, pr: PullRequest, *, method: str, title: str, message: str) -> PullRequest:
        """Merges ``pr`` at its ``head_sha`` (``method``: squash, merge or rebase) and returns it merged, with
        its ``merge_sha``. Raises MergeRefused when the host will not merge it; RepoUnavailable when down."""

    def push_to_pull_request(self, change: FileChange) -> PullRequest:
        """Commits ``change`` on top of its existing branch (a new head, so the plan runs again)."""
