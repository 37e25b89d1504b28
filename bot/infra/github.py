"""The production infra repository: GitHub (or GitHub Enterprise Server) through PyGithub.

One change is one commit made with the Git Data API and one pull request: get the base branch ref, get its
head commit (which carries the tree), create a tree on it with inline content, create the commit, create
the branch ref, create the pull — 6 calls, 4 of them writes (labels and reviewers add one write each).
Every write goes through a shared :class:`~bot.infra.pacing.Pacer`, one at a time under GitHub's secondary
limits. Retried steps that meet "already exists" adopt what is there, so a retry never opens a second
pull request for a branch.

PyGithub's client shares one connection object between threads without a lock, so every thread gets its
own client, made from the one given (same auth, base URL, retry and timeout).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from github import Github, GithubException, InputGitTreeElement
from github.PullRequest import PullRequest as GitHubPull
from github.Repository import Repository

from bot.infra import github_checks
from bot.infra.base import CommitStatus, FileChange, PullRequest, PullRequestState, RepoUnavailable
from bot.infra.github_auth import github_client
from bot.infra.github_errors import TRANSPORT_ERRORS, describe, rate_limit_wait, refused_extra, repo_errors, says
from bot.infra.outage import Tell, WriteOutage
from bot.infra.pacing import Pacer, RateLimited

log = logging.getLogger(__name__)
T = TypeVar("T")


class GitHubRepo:
    """An InfraRepo on a GitHub repository ``owner/name``; see :func:`github_repo_from_settings`."""

    def __init__(
        self,
        full_name: str,
        *,
        github: Github,
        base_branch: str = "main",
        branch_prefix: str = "notebook-bot/",
        pacer: Pacer | None = None,
        outage: WriteOutage | None = None,
    ) -> None:
        owner, _, name = full_name.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"a GitHub repository is named owner/name, not {full_name!r}")
        self.full_name = full_name
        self.owner = owner
        self.base_branch = base_branch
        self.branch_prefix = branch_prefix
        self.pacer = pacer or Pacer()
        self.outage = outage or WriteOutage(full_name, clock=self.pacer.clock)
        # Tells the admins once per key about a problem of the setup (a missing permission); set by wiring.
        self.tell_admins: Tell | None = None
        self._template = github
        self._local = threading.local()
        self._clients: list[Github] = []
        self._clients_lock = threading.Lock()

    # --- InfraRepo ----------------------------------------------------------------------------------
    def open_pull_request(self, change: FileChange) -> PullRequest:
        """Commits ``change`` on its branch and opens its pull request; adopts what a retry finds there."""
        with repo_errors(self.full_name, f"opening the pull request for {change.branch}"):
            repo = self._repo()
            base_sha = repo.get_git_ref(f"heads/{self.base_branch}").object.sha
            base = repo.get_git_commit(base_sha)
            # A deletion of a path that is not on the base branch fails the whole tree call.
            deletions = [p for p in dict.fromkeys(change.deletions) if self._exists(repo, p)]
            elements = [
                InputGitTreeElement(p, "100644", "blob", content=c)
                for p, c in sorted(change.files.items())
                if p not in deletions
            ]
            elements += [InputGitTreeElement(p, "100644", "blob", sha=None) for p in deletions]
            tree = self._write(lambda: repo.create_git_tree(elements, base_tree=base.tree))
            message = f"{change.title}\n\n{change.body}" if change.body else change.title
            commit = self._write(lambda: repo.create_git_commit(message, tree, [base]))
            try:
                self._write(lambda: repo.create_git_ref(f"refs/heads/{change.branch}", commit.sha))
            except GithubException as e:
                if e.status != 422 or not says(e, "reference already exists"):
                    raise
                # A retry after a crash or a timeout: the branch is there; so may be its pull request.
                log.info("branch %s already exists on %s: adopting it", change.branch, self.full_name)
                existing = self._pull_for(repo, change.branch)
                if existing is not None:
                    return self._finish(existing, change)
            return self._finish(self._create_pull(repo, change), change)

    def find_pull_request(self, branch: str) -> PullRequest | None:
        """The pull request from ``branch`` (the open one if any, else the newest), or None."""
        with repo_errors(self.full_name, f"looking up the pull request for {branch}"):
            found = self._pull_for(self._repo(), branch)
            return None if found is None else _as_pull_request(found)

    def open_pull_requests(self) -> list[PullRequest]:
        """Every open pull request from a branch of this repository that starts with the bot's prefix."""
        with repo_errors(self.full_name, "listing open pull requests"):
            found = []
            for pull in self._repo().get_pulls(state="open"):
                head_repo = pull.head.repo
                if (
                    pull.head.ref.startswith(self.branch_prefix)
                    and head_repo is not None
                    and head_repo.full_name.lower() == self.full_name.lower()
                ):
                    found.append(_as_pull_request(pull))
            return sorted(found, key=lambda p: p.number)

    def exists_on_base(self, path: str) -> bool:
        """Whether ``path`` is on the base branch (contents API; 404 means no)."""
        with repo_errors(self.full_name, f"checking {path} on {self.base_branch}"):
            return self._exists(self._repo(), path)

    def commit_status(self, sha: str, context: str) -> CommitStatus | None:
        """The latest status of ``context`` on commit ``sha`` (its combined status: one GET)."""
        with repo_errors(self.full_name, f"reading the {context} status of {sha[:12]}"):
            return github_checks.commit_status(self._repo(), sha, context)

    def merge_pull_request(self, pr: PullRequest, *, method: str, title: str, message: str) -> PullRequest:
        """Merges ``pr`` at its head commit (one paced write); MergeRefused says why GitHub would not."""
        with repo_errors(self.full_name, f"merging pull request #{pr.number}"):
            sha = github_checks.merge(self._repo(), pr, self._write, method=method, title=title, message=message)
        return PullRequest(pr.number, pr.url, pr.branch, "merged", pr.title, pr.head_sha, sha)

    def push_to_pull_request(self, change: FileChange) -> PullRequest:
        """A new commit on the pull request's branch, so that its plan runs again."""
        with repo_errors(self.full_name, f"pushing to {change.branch}"):
            repo = self._repo()
            sha = github_checks.push(repo, change, self._write)
            found = self._pull_for(repo, change.branch)
            if found is None:
                raise RepoUnavailable(f"no pull request from {change.branch}")
            return github_checks.with_head(_as_pull_request(found), sha)

    def unwritable(self) -> str | None:
        """Why pull requests cannot be opened, once writes have failed for a few minutes (for ``/healthz``)."""
        return self.outage.problem()

    def watch(self, tell_admins: Tell) -> None:
        """Tells the admins (once per key) when writes keep failing or a permission is missing."""
        self.tell_admins = tell_admins
        self.outage.tell = tell_admins

    def close(self) -> None:
        """Closes the HTTP connections of every thread's client."""
        with self._clients_lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

    # --- steps --------------------------------------------------------------------------------------
    def _repo(self) -> Repository:
        repo: Repository | None = getattr(self._local, "repo", None)
        if repo is None:
            # Lazy: the repository object makes no request of its own; PyGithub's own pacing is replaced
            # by the shared Pacer (it is per client, and there is one client per thread).
            kwargs = {
                **self._template.requester.kwargs,
                "lazy": True,
                "per_page": 100,
                "seconds_between_requests": None,
                "seconds_between_writes": None,
            }
            client = Github(**kwargs)
            with self._clients_lock:
                self._clients.append(client)
            repo = client.get_repo(self.full_name)
            self._local.repo = repo
        return repo

    def _write(self, call: Callable[[], T], *, optional: bool = False) -> T:
        def attempt() -> T:
            try:
                return call()
            except GithubException as e:
                wait = rate_limit_wait(e)
                if wait is not None:
                    raise RateLimited(wait, f"({e.status})") from e
                raise

        try:
            result = self.pacer.write(attempt)
        except RateLimited as e:
            self.outage.failed(
                f"GitHub refuses writes with a rate limit and asked to wait {e.retry_after:.0f} s {e.detail}; "
                "the bot tries again by itself (if this lasts, check what else writes with the same "
                "token or GitHub App)"
            )
            raise
        except GithubException as e:
            # 422 is GitHub answering about this one change ("already exists"), not a repository that
            # refuses writes; a refused label or reviewer is a missing permission said on its own.
            if e.status >= 500 or (e.status in (401, 403, 404) and not optional):
                self.outage.failed(describe(e, repo=self.full_name, action="writing"))
            raise
        except TRANSPORT_ERRORS as e:
            self.outage.failed(describe(e, repo=self.full_name, action="writing"))
            raise
        self.outage.succeeded()
        return result

    def _exists(self, repo: Repository, path: str) -> bool:
        try:
            repo.get_contents(path, ref=self.base_branch)
        except GithubException as e:
            if e.status == 404:
                return False
            raise
        return True

    def _pull_for(self, repo: Repository, branch: str) -> GitHubPull | None:
        pulls = list(repo.get_pulls(state="all", head=f"{self.owner}:{branch}"))
        open_ones = [p for p in pulls if p.state == "open"]
        candidates = open_ones or sorted(pulls, key=lambda p: p.number, reverse=True)
        return candidates[0] if candidates else None

    def _create_pull(self, repo: Repository, change: FileChange) -> GitHubPull:
        try:
            return self._write(
                lambda: repo.create_pull(
                    base=self.base_branch, head=change.branch, title=change.title, body=change.body
                )
            )
        except GithubException as e:
            if e.status != 422 or not says(e, "a pull request already exists"):
                raise
            log.info("pull request for %s already exists on %s: adopting it", change.branch, self.full_name)
            existing = self._pull_for(repo, change.branch)
            if existing is None:
                raise RepoUnavailable(
                    f"GitHub says a pull request exists for {change.branch} but does not list it yet"
                ) from e
            return existing

    def _finish(self, pull: GitHubPull, change: FileChange) -> PullRequest:
        """Adds the labels and reviewers the pull request does not have yet (one write each)."""
        if pull.state == "open":
            have_labels = {label.name for label in pull.labels}
            labels = [name for name in change.labels if name not in have_labels]
            have_reviewers = {user.login for user in pull.requested_reviewers}
            reviewers = [r for r in change.reviewers if r not in have_reviewers]
            have_teams = {team.slug for team in pull.requested_teams}
            teams = [t for t in change.team_reviewers if t not in have_teams]
            if labels:
                self._optional(lambda: pull.add_to_labels(*labels), "labels")
            if reviewers or teams:
                self._optional(
                    lambda: pull.create_review_request(reviewers=reviewers, team_reviewers=teams), "reviewers"
                )
        return _as_pull_request(pull)

    def _optional(self, call: Callable[[], None], what: str) -> None:
        # A reviewer who is not a collaborator (or similar) must not block the environment: GitHub answers
        # 422 and the pull request stays open without them. A missing permission (403: a GitHub App without
        # Issues: write cannot label) must not either: the pull request exists, so the flow goes on and the
        # admins are told once what to grant. Outages still raise, so a retry adds them.
        try:
            self._write(call, optional=True)
        except GithubException as e:
            if e.status not in (403, 422):
                raise
            log.warning("GitHub refused the %s of a pull request on %s: %s", what, self.full_name, e.data)
            if e.status == 403:
                self._tell_missing_permission(what, e)

    def _tell_missing_permission(self, what: str, error: GithubException) -> None:
        if self.tell_admins is None:
            return
        try:
            self.tell_admins(f"github-403-{what}:{self.full_name}", refused_extra(what, self.full_name, error))
        except Exception:  # telling must not undo a pull request that exists
            log.exception("could not tell the admins that %s are refused on %s", what, self.full_name)


def _as_pull_request(pull: GitHubPull) -> PullRequest:
    state: PullRequestState = "open" if pull.state == "open" else "merged" if pull.merged_at else "closed"
    return PullRequest(
        number=pull.number,
        url=pull.html_url,
        branch=pull.head.ref,
        state=state,
        title=pull.title or "",
        head_sha=pull.head.sha or "",
        # While open, GitHub's merge_commit_sha is only its test merge: the apply runs on the real one.
        merge_sha=(pull.merge_commit_sha or "") if state == "merged" else "",
    )


def github_repo_from_settings(
    full_name: str,
    *,
    token: str | None = None,
    app_id: str | int | None = None,
    app_private_key: str | None = None,
    installation_id: int | str | None = None,
    api_url: str | None = None,
    base_branch: str = "main",
    branch_prefix: str = "notebook-bot/",
    pacer: Pacer | None = None,
    timeout: int = 20,
    retries: int = 3,
    backoff_factor: float = 0.5,
) -> GitHubRepo:
    """The GitHub backend from settings (``NOTEBOOK_BOT_REPO=github:OWNER/NAME`` and ``GITHUB_*``).

    Token or GitHub App (the App wins when both are set); retries and timeouts on; writes paced by
    ``pacer`` (GitHub's limits by default — with several instances, give each a share of them).
    """
    client = github_client(
        token=token,
        app_id=app_id,
        app_private_key=app_private_key,
        installation_id=int(installation_id) if installation_id else None,
        repo=full_name,
        api_url=api_url,
        timeout=timeout,
        retries=retries,
        backoff_factor=backoff_factor,
    )
    return GitHubRepo(full_name, github=client, base_branch=base_branch, branch_prefix=branch_prefix, pacer=pacer)
