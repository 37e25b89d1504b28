"""Commit statuses, the bot's merge and a new commit on a pull request's branch, on GitHub (PyGithub).

The plan and apply jobs of the infrastructure repository report as commit statuses (DESIGN §4); the bot reads
them from a commit's combined status (one GET). It merges with the REST merge endpoint at the head commit the
plan ran on, so a branch that moved since is refused (409) rather than merged unchecked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from github import GithubException, InputGitTreeElement
from github.GithubObject import NotSet
from github.Repository import Repository

from bot.infra.base import CommitStatus, FileChange, MergeRefused, PullRequest
from bot.infra.github_errors import github_message, rate_limit_wait

T = TypeVar("T")
Write = Callable[[Callable[[], T]], T]


def commit_status(repo: Repository, sha: str, context: str) -> CommitStatus | None:
    """The latest status of ``context`` on ``sha`` (``GET /repos/{o}/{r}/commits/{sha}/status``)."""
    combined = repo.get_commit(sha).get_combined_status()
    found = [s for s in combined.statuses if s.context == context]
    if not found:
        return None
    latest = max(found, key=lambda s: s.id)
    return CommitStatus(
        context=context,
        state=latest.state,
        description=latest.description or "",
        target_url=latest.target_url or "",
        id=str(latest.id),
    )


def merge_refusal(error: GithubException) -> str | None:
    """Which refusal a failed merge is, in words for the admins; None when it is an outage to retry."""
    if rate_limit_wait(error) is not None or error.status >= 500:
        return None
    message = github_message(error) or "no message"
    said = message.lower()
    if error.status == 409:
        return f"its branch changed after the plan ran (GitHub: “{message}”); the new head needs its own plan"
    if error.status == 405:
        if "base branch was modified" in said:
            return f"the base branch moved while merging (GitHub: “{message}”)"
        if "approving review" in said or "review is required" in said or "changes requested" in said:
            return f"branch protection requires an approving review (GitHub: “{message}”)"
        if "status check" in said:
            return f"branch protection requires a status check that has not passed (GitHub: “{message}”)"
        return f"GitHub says it cannot be merged, usually a merge conflict (GitHub: “{message}”)"
    if error.status in (403, 404, 422):
        return f"GitHub refused the bot's merge ({error.status}: “{message}”)"
    return None


def merge(repo: Repository, pr: PullRequest, write: Write[object], *, method: str, title: str, message: str) -> str:
    """Merges pull request ``pr`` at its head commit; returns the merge commit's sha."""
    pull = repo.get_pull(pr.number)  # lazy: no request of its own
    try:
        result = write(
            lambda: pull.merge(
                commit_title=title, commit_message=message, merge_method=method, sha=pr.head_sha or NotSet
            )
        )
    except GithubException as e:
        refusal = merge_refusal(e)
        if refusal is None:
            raise
        raise MergeRefused(refusal) from e
    merged = getattr(result, "merged", False)
    if not merged:
        raise MergeRefused(f"GitHub did not merge it (“{getattr(result, 'message', '')}”)")
    return str(getattr(result, "sha", ""))


def push(repo: Repository, change: FileChange, write: Write[object]) -> str:
    """A new commit with ``change.files`` on top of ``change.branch`` (an empty one when there are none);
    returns its sha. Get the ref and its commit, create tree and commit, move the ref: 5 calls, 3 writes."""
    ref = repo.get_git_ref(f"heads/{change.branch}")
    head = repo.get_git_commit(ref.object.sha)
    elements = [InputGitTreeElement(p, "100644", "blob", content=c) for p, c in sorted(change.files.items())]
    tree = write(lambda: repo.create_git_tree(elements, base_tree=head.tree)) if elements else head.tree
    message = f"{change.title}\n\n{change.body}" if change.body else change.title
    commit = write(lambda: repo.create_git_commit(message, tree, [head]))  # type: ignore[arg-type]
    sha = str(getattr(commit, "sha", ""))
    write(lambda: ref.edit(sha))
    return sha


def with_head(pr: PullRequest, sha: str) -> PullRequest:
    return dataclasses.replace(pr, head_sha=sha)
