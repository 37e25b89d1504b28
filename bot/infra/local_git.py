"""The embedded infra repository: a real git repository on disk; a "pull request" is a branch plus a record.

A pull request counts as merged when its branch head is reachable from the base branch, so a reviewer
merges with plain ``git merge``. Commits are made with git's plumbing, so the working tree (which a person
may be using) is never touched.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.infra.base import PLAN, CommitStatus, FileChange, MergeRefused, PullRequest, PullRequestState, RepoUnavailable
from bot.infra.local_plan import check_files

_AUTHOR = {
    "GIT_AUTHOR_NAME": "notebook-bot",
    "GIT_AUTHOR_EMAIL": "notebook-bot@localhost",
    "GIT_COMMITTER_NAME": "notebook-bot",
    "GIT_COMMITTER_EMAIL": "notebook-bot@localhost",
}


class LocalGitRepo:
    """An InfraRepo on a local git repository, created with a first commit on the base branch if missing."""

    def __init__(self, path: str | Path, *, base_branch: str = "main", branch_prefix: str = "notebook-bot/") -> None:
        self.path = Path(path).resolve()
        self.base_branch = base_branch
        self.branch_prefix = branch_prefix
        self._records = self.path / ".git" / "notebook-bot" / "pulls"
        if not (self.path / ".git").exists():
            self._create()
        self._records.mkdir(parents=True, exist_ok=True)

    def _create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self._git("init", "-q", "-b", self.base_branch)
        (self.path / "README.md").write_text(
            "# Infrastructure repository\n\nEnvironment files are written by notebook-bot under environments/.\n"
        )
        (self.path / "environments").mkdir(exist_ok=True)
        (self.path / "environments" / ".gitkeep").write_text("")
        self._git("add", "README.md", "environments/.gitkeep")
        self._git("commit", "-q", "-m", "Start the infrastructure repository")

    def _git(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None, raw: bool = False) -> str:
        full_env = {**os.environ, **_AUTHOR, **(env or {})}
        try:
            done = subprocess.run(
                ["git", "-C", str(self.path), *args],
                input=stdin,
                capture_output=True,
                text=True,
                env=full_env,
                check=False,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise RepoUnavailable(f"git {args[0]}: {e}") from e
        if done.returncode != 0:
            raise RepoUnavailable(f"git {args[0]} failed: {done.stderr.strip()[:300]}")
        return done.stdout if raw else done.stdout.strip()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Several threads (and the CLI) may open pull requests at once: one at a time per repository.
        with open(self._records.parent / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _ref_exists(self, ref: str) -> bool:
        try:
            self._git("rev-parse", "--verify", "-q", ref)
            return True
        except RepoUnavailable:
            return False

    def open_pull_request(self, change: FileChange) -> PullRequest:
        with self._locked():
            existing = self._record_for(change.branch)
            if existing is not None:
                return self._status(existing)
            if self._ref_exists(f"refs/heads/{change.branch}"):  # committed by an attempt that then crashed
                head = self._git("rev-parse", f"refs/heads/{change.branch}")
            else:
                head = self._commit(change)
            record = {
                "number": self._next_number(),
                "branch": change.branch,
                "title": change.title,
                "body": change.body,
                "labels": list(change.labels),
                "reviewers": list(change.reviewers),
                "head": head,
            }
            self._write_record(record)
            return self._status(record)

    def _commit(self, change: FileChange) -> str:
        base = self._git("rev-parse", f"refs/heads/{self.base_branch}")
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self._git("read-tree", base, env=env)
            for path, content in sorted(change.files.items()):
                blob = self._git("hash-object", "-w", "--stdin", stdin=content)
                self._git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            for path in change.deletions:
                if self.exists_on_base(path):
                    self._git("update-index", "--force-remove", path, env=env)
            tree = self._git("write-tree", env=env)
        commit = self._git("commit-tree", tree, "-p", base, "-m", f"{change.title}\n\n{change.body}")
        self._git("update-ref", f"refs/heads/{change.branch}", commit, "0" * 40)
        return commit

    def find_pull_request(self, branch: str) -> PullRequest | None:
        record = self._record_for(branch)
        return None if record is None else self._status(record)

    def open_pull_requests(self) -> list[PullRequest]:
        found = [self._status(r) for r in self._all_records()]
        return [p for p in found if p.state == "open"]

    def exists_on_base(self, path: str) -> bool:
        try:
            self._git("cat-file", "-e", f"refs/heads/{self.base_branch}:{path}")
            return True
        except RepoUnavailable:
            return False

    def read_on_base(self, path: str) -> str:
        return self._git("show", f"refs/heads/{self.base_branch}:{path}")

    def commit_status(self, sha: str, context: str) -> CommitStatus | None:
        """The plan is the bot's own check of the files the commit's branch writes (kept per commit); the
        apply has no pipeline here (the simulated cloud plays it), so it has no status."""
        if context != PLAN:
            return None
        kept = self._records.parent / "statuses" / f"{sha}.json"
        if kept.exists():
            return CommitStatus(**json.loads(kept.read_text()))
        base = self._git("merge-base", f"refs/heads/{self.base_branch}", sha)
        changed = self._git("diff", "--name-only", "--diff-filter=AM", base, sha).splitlines()
        status = check_files({path: self._git("show", f"{sha}:{path}", raw=True) for path in changed})
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(dataclasses.asdict(status)))
        return status

    def merge_pull_request(self, pr: PullRequest, *, method: str, title: str, message: str) -> PullRequest:
        """Merges as ``merge`` does (``--no-ff`` whatever the method: a squash would hide that it was merged)."""
        with self._locked():
            record = self._record_for(pr.branch)
            if record is None or self._status(record).state != "open":
                raise MergeRefused("the pull request is no longer open")
            if pr.head_sha and str(record["head"]) != pr.head_sha:
                raise MergeRefused("its branch changed after the plan ran; the new head needs its own plan")
            self._merge(pr.branch, f"{title}\n\n{message}")
            merged = self._status(record)
            return dataclasses.replace(merged, merge_sha=self._git("rev-parse", f"refs/heads/{self.base_branch}"))

    def push_to_pull_request(self, change: FileChange) -> PullRequest:
        """A new commit with ``change.files`` on top of the branch; the record follows its new head."""
        with self._locked():
            record = self._record_for(change.branch)
            if record is None:
                raise RepoUnavailable(f"no pull request from {change.branch}")
            head = self._git("rev-parse", f"refs/heads/{change.branch}")
            with tempfile.TemporaryDirectory() as tmp:
                env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
                self._git("read-tree", head, env=env)
                for path, content in sorted(change.files.items()):
                    blob = self._git("hash-object", "-w", "--stdin", stdin=content)
                    self._git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
                tree = self._git("write-tree", env=env)
            commit = self._git("commit-tree", tree, "-p", head, "-m", f"{change.title}\n\n{change.body}")
            self._git("update-ref", f"refs/heads/{change.branch}", commit, head)
            record["head"] = commit
            self._write_record(record)
            return self._status(record)

    def merge(self, branch: str) -> None:
        """Merges ``branch`` into the base branch as a reviewer would (``git merge --no-ff``)."""
        with self._locked():
            self._merge(branch, f"Merge {branch}")

    def _merge(self, branch: str, message: str) -> None:
        current = self._git("symbolic-ref", "--short", "HEAD")
        if current != self.base_branch:
            self._git("checkout", "-q", self.base_branch)
        try:
            self._git("merge", "-q", "--no-ff", "-m", message, branch)
        except RepoUnavailable as e:
            self._git("merge", "--abort")
            raise MergeRefused(f"git cannot merge it, usually a merge conflict ({e.detail})") from e

    def close(self, branch: str) -> None:
        """Closes a pull request without merging: its branch is deleted."""
        self._git("branch", "-D", branch)

    def _status(self, record: dict[str, object]) -> PullRequest:
        branch = str(record["branch"])
        head = str(record["head"])
        state: PullRequestState
        if self._is_ancestor(head, f"refs/heads/{self.base_branch}"):
            state = "merged"
        elif self._ref_exists(f"refs/heads/{branch}"):
            state = "open"
        else:
            state = "closed"
        number = int(str(record["number"]))
        return PullRequest(
            number=number,
            url=f"file://{self.path}#pull/{number}",
            branch=branch,
            state=state,
            title=str(record["title"]),
            head_sha=head,
        )

    def _is_ancestor(self, commit: str, ref: str) -> bool:
        done = subprocess.run(
            ["git", "-C", str(self.path), "merge-base", "--is-ancestor", commit, ref],
            capture_output=True,
            check=False,
        )
        return done.returncode == 0

    def _record_path(self, branch: str) -> Path:
        return self._records / (branch.replace("/", "__") + ".json")

    def _record_for(self, branch: str) -> dict[str, object] | None:
        p = self._record_path(branch)
        return json.loads(p.read_text()) if p.exists() else None

    def _all_records(self) -> list[dict[str, object]]:
        return sorted(
            (json.loads(p.read_text()) for p in self._records.glob("*.json")),
            key=lambda r: int(str(r["number"])),
        )

    def _next_number(self) -> int:
        """The next pull request number, from a counter (called under the lock)."""
        counter = self._records.parent / "next-number"
        try:
            number = int(counter.read_text())
        except (OSError, ValueError):  # first use, or a crash mid-write: count what exists
            number = 1 + max((int(str(r["number"])) for r in self._all_records()), default=0)
        tmp = counter.with_suffix(".tmp")
        tmp.write_text(str(number + 1))
        tmp.replace(counter)
        return number

    def _write_record(self, record: dict[str, object]) -> None:
        path = self._record_path(str(record["branch"]))
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=2))
        tmp.replace(path)
