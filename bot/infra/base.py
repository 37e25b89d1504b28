"""The infra repository interface: one commit on a branch per change, and a pull request for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bot.domain.errors import TryAgainLater

PullRequestState = Literal["open", "merged", "closed"]


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
