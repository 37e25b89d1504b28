"""A loopback GitHub REST server with state: the endpoints the GitHub backend calls, a call log and faults.

It answers in GitHub's JSON shapes (the fields PyGithub reads), so the real library runs end to end against
it. Tests can merge or close pull requests, and inject faults: 5xx, delays (client timeouts) and secondary
rate limits (403 with ``Retry-After``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import jwt

from tests.support.github_setup import GitHubSetup

Reply = tuple[int, Any, dict[str, str]]
PERMISSIONS = {"contents": "write", "pull_requests": "write"}
SECONDARY_LIMIT = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, str]
    time: float
    status: int

    @property
    def is_write(self) -> bool:
        return self.method in ("POST", "PATCH", "PUT", "DELETE")


@dataclass
class Pull:
    number: int
    branch: str
    base: str
    title: str
    body: str
    head_sha: str
    state: str = "open"
    merged: bool = False
    labels: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    team_reviewers: list[str] = field(default_factory=list)
    merge_sha: str = ""
    # Why GitHub would refuse to merge it now (405): a conflict, or branch protection wanting a review.
    unmergeable: str = ""


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    times: int
    status: int = 0
    delay: float = 0.0
    retry_after: int | None = None
    secondary_limit: bool = False
    forbidden: str = ""  # a 403 that is not a rate limit: a permission the token or App lacks


def _now_iso(offset: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha(*parts: object) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()  # noqa: S324 (git uses sha1)


def _error(status: int, message: str, **extra: Any) -> Reply:
    return status, {"message": message, "documentation_url": "https://docs.github.com/rest", **extra}, {}


class GitHubServer:
    """Serves one repository (``owner/name``) on 127.0.0.1; use as a context manager or start()/stop()."""

    def __init__(
        self,
        repo: str = "acme/infra",
        *,
        base_branch: str = "main",
        files: dict[str, str] | None = None,
        token: str | None = "test-token",  # noqa: S107
        app_id: int | None = None,
        app_public_key: str | None = None,
        installation_id: int = 4242,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repo, self.owner = repo, repo.split("/")[0]
        self.base_branch = base_branch
        self.tokens = {token} if token else set()
        self.app_id, self.app_public_key, self.installation_id = app_id, app_public_key, installation_id
        self.clock = clock
        self.calls: list[Call] = []
        self.pulls: list[Pull] = []
        self.trees: dict[str, dict[str, str]] = {}
        self.commits: dict[str, dict[str, Any]] = {}
        self.refs: dict[str, str] = {}
        self.statuses: dict[str, list[dict[str, Any]]] = {}  # commit sha -> statuses, oldest first
        self.merge_methods: list[str] = []
        self._faults: list[_Fault] = []
        self._lock = threading.RLock()
        self.setup = GitHubSetup()  # permissions, branches, protection, webhooks (what doctor reads)
        start = files if files is not None else {"README.md": "# Infrastructure\n", "environments/.gitkeep": ""}
        self.refs[f"heads/{base_branch}"] = self._commit(start, [], "Start the infrastructure repository")
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def start(self) -> GitHubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def __enter__(self) -> GitHubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- faults and helpers for tests -------------------------------------------------------------
    def fail(self, method: str, pattern: str, *, status: int = 502, times: int = 1) -> None:
        """The next ``times`` matching requests get ``status``."""
        self._faults.append(_Fault(method, re.compile(pattern), times, status=status))

    def delay(self, method: str, pattern: str, seconds: float, *, times: int = 1) -> None:
        """The next ``times`` matching requests are acted on at once but answered only after ``seconds``."""
        self._faults.append(_Fault(method, re.compile(pattern), times, delay=seconds))

    def secondary_limit(
        self, method: str, pattern: str, *, retry_after: int | None = 60, times: int = 1, status: int = 403
    ) -> None:
        """The next ``times`` matching requests get GitHub's secondary rate limit (403, or 429 as GitHub also
        sends it)."""
        self._faults.append(
            _Fault(method, re.compile(pattern), times, status=status, retry_after=retry_after, secondary_limit=True)
        )

    def forbid(
        self,
        method: str,
        pattern: str,
        *,
        message: str = "Resource not accessible by integration",
        documentation_url: str = "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue",
        times: int = 1,
    ) -> None:
        """The next ``times`` matching requests get the 403 GitHub sends when a permission is missing (a GitHub
        App without Issues: write adding labels), word for word."""
        self._faults.append(
            _Fault(method, re.compile(pattern), times, status=403, forbidden=f"{message}\n{documentation_url}")
        )

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.is_write]

    def files_on(self, branch: str) -> dict[str, str]:
        with self._lock:
            return dict(self.trees[self.commits[self.refs[f"heads/{branch}"]]["tree"]])

    def pull_for(self, branch: str) -> Pull | None:
        return next((p for p in self.pulls if p.branch == branch), None)

    def merge(self, number: int, *, delete_branch: bool = False) -> None:
        """Merges pull request ``number`` into its base as a reviewer would."""
        with self._lock:
            pull = self.pulls[number - 1]
            head = self.commits[pull.head_sha]
            before = self.trees[self.commits[head["parents"][0]]["tree"]] if head["parents"] else {}
            after = self.trees[head["tree"]]
            base_sha = self.refs[f"heads/{pull.base}"]
            merged = dict(self.trees[self.commits[base_sha]["tree"]])
            merged.update({p: c for p, c in after.items() if before.get(p) != c})
            for gone in set(before) - set(after):
                merged.pop(gone, None)
            self.refs[f"heads/{pull.base}"] = self._commit(merged, [base_sha, pull.head_sha], f"Merge #{number}")
            pull.state, pull.merged = "closed", True
            pull.merge_sha = self.refs[f"heads/{pull.base}"]
            if delete_branch:
                self.refs.pop(f"heads/{pull.branch}", None)

    def set_status(
        self, sha: str, context: str, state: str, description: str = "", target_url: str | None = None
    ) -> dict[str, Any]:
        """Sets a commit status as a CI job does (``POST /repos/{o}/{r}/statuses/{sha}``); returns its JSON."""
        with self._lock:
            return self._create_status(
                sha, {"context": context, "state": state, "description": description, "target_url": target_url}
            )

    def refuse_merge(self, number: int, message: str = "Pull Request is not mergeable") -> None:
        """GitHub will answer 405 ``message`` to a merge of pull request ``number`` (a conflict, by default)."""
        with self._lock:
            self.pulls[number - 1].unmergeable = message

    def push(self, branch: str, files: dict[str, str], message: str = "A person pushed") -> str:
        """A commit on ``branch`` by somebody else (its pull request's head moves); returns its sha."""
        with self._lock:
            head = self.refs[f"heads/{branch}"]
            tree = {**self.trees[self.commits[head]["tree"]], **files}
            sha = self._commit(tree, [head], message)
            self._move_ref(f"heads/{branch}", sha)
            return sha

    def close(self, number: int) -> None:
        """Closes pull request ``number`` without merging."""
        with self._lock:
            self.pulls[number - 1].state = "closed"

    # --- git objects and JSON shapes ----------------------------------------------------------------
    def _commit(self, files: dict[str, str], parents: list[str], message: str) -> str:
        tree = _sha("tree", sorted(files.items()))
        self.trees[tree] = dict(files)
        sha = _sha("commit", tree, parents, message, len(self.commits))
        self.commits[sha] = {"tree": tree, "parents": parents, "message": message}
        return sha

    def _api(self, rest: str = "") -> str:
        return f"{self.url}/repos/{self.repo}{rest}"

    def _ref_json(self, name: str) -> dict[str, Any]:
        sha = self.refs[name]
        return {
            "ref": f"refs/{name}",
            "node_id": "R",
            "url": self._api(f"/git/refs/{name}"),
            "object": {"sha": sha, "type": "commit", "url": self._api(f"/git/commits/{sha}")},
        }

    def _commit_json(self, sha: str) -> dict[str, Any]:
        c = self.commits[sha]
        who = {"name": "notebook-bot", "email": "bot@example.com", "date": _now_iso()}
        return {
            "sha": sha,
            "node_id": "C",
            "url": self._api(f"/git/commits/{sha}"),
            "html_url": self._api(),
            "author": who,
            "committer": who,
            "message": c["message"],
            "tree": {"sha": c["tree"], "url": self._api(f"/git/trees/{c['tree']}")},
            "parents": [{"sha": p, "url": self._api(f"/git/commits/{p}")} for p in c["parents"]],
        }

    def _pull_json(self, p: Pull) -> dict[str, Any]:
        n, repo = p.number, {"full_name": self.repo, "name": self.repo.split("/")[1], "url": self._api()}
        base_sha = self.refs.get(f"heads/{p.base}", "")
        return {
            "url": self._api(f"/pulls/{n}"),
            "id": n,
            "number": n,
            "state": p.state,
            "title": p.title,
            "body": p.body,
            "html_url": f"{self.url}/{self.repo}/pull/{n}",
            "issue_url": self._api(f"/issues/{n}"),
            "merged": p.merged,
            "merge_commit_sha": p.merge_sha or None,
            "mergeable": None if p.state != "open" else not p.unmergeable,
            "draft": False,
            "merged_at": _now_iso() if p.merged else None,
            "created_at": _now_iso(),
            "updated_at": _now_iso(),
            "user": {"login": "notebook-bot[bot]"},
            "head": {"ref": p.branch, "sha": p.head_sha, "label": f"{self.owner}:{p.branch}", "repo": repo},
            "base": {"ref": p.base, "sha": base_sha, "label": p.base, "repo": repo},
            "labels": [{"name": name} for name in p.labels],
            "requested_reviewers": [{"login": r} for r in p.reviewers],
            "requested_teams": [{"slug": t, "name": t} for t in p.team_reviewers],
        }

    # --- routes ---------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], body: Any, auth: str) -> Reply:
        routes: list[tuple[str, str, Callable[..., Reply]]] = [
            ("POST", r"/app/installations/(\d+)/access_tokens", self._access_token),
            ("GET", r"/repos/([^/]+/[^/]+)/installation", self._installation),
            ("GET", r"/rate_limit", lambda **_: (200, {"resources": {}, "rate": {}}, {})),
            ("GET", r"/app/hook/config", self._app_hook),
        ]
        for verb, pattern, route in routes:
            if verb == method and (m := re.fullmatch(pattern, path)):
                return route(match=m, body=body, auth=auth)
        token = auth.split(" ", 1)[-1]
        if token not in self.tokens:
            return _error(401, "Bad credentials")
        prefix = f"/repos/{self.repo}"
        if not path.startswith(prefix):
            return _error(404, "Not Found")
        rest = path[len(prefix) :]
        with self._lock:
            return self._repo_route(method, rest, query, body)

    def _repo_route(self, method: str, rest: str, query: dict[str, str], body: Any) -> Reply:
        if method == "GET" and rest == "":
            return (
                200,
                {
                    "full_name": self.repo,
                    "name": self.repo.split("/")[1],
                    "url": self._api(),
                    "owner": {"login": self.owner},
                    "default_branch": self.base_branch,
                    "permissions": self.setup.permissions,
                },
                {},
            )
        if (setup := self.setup.answer(method, rest, self._api(), self.refs)) is not None:
            return setup
        if method == "GET" and (m := re.fullmatch(r"/git/refs?/(heads/.+)", rest)):
            return (200, self._ref_json(m[1]), {}) if m[1] in self.refs else _error(404, "Not Found")
        if method == "GET" and (m := re.fullmatch(r"/git/commits/([0-9a-f]{40})", rest)):
            return (200, self._commit_json(m[1]), {}) if m[1] in self.commits else _error(404, "Not Found")
        if method == "POST" and rest == "/git/trees":
            return self._create_tree(body)
        if method == "POST" and rest == "/git/commits":
            if body["tree"] not in self.trees or any(p not in self.commits for p in body["parents"]):
                return _error(422, "Tree or parent SHA does not exist")
            sha = _sha("commit", body["tree"], body["parents"], body["message"], len(self.commits))
            self.commits[sha] = {"tree": body["tree"], "parents": body["parents"], "message": body["message"]}
            return 201, self._commit_json(sha), {}
        if method == "POST" and rest == "/git/refs":
            name = str(body["ref"]).removeprefix("refs/")
            if name in self.refs:
                return _error(422, "Reference already exists")
            if body["sha"] not in self.commits:
                return _error(422, "Object does not exist")
            self.refs[name] = body["sha"]
            return 201, self._ref_json(name), {}
        if rest == "/pulls":
            return self._create_pull(body) if method == "POST" else self._list_pulls(query)
        if method == "GET" and (m := re.fullmatch(r"/pulls/(\d+)", rest)) and int(m[1]) <= len(self.pulls):
            return 200, self._pull_json(self.pulls[int(m[1]) - 1]), {}
        if method == "POST" and (m := re.fullmatch(r"/issues/(\d+)/labels", rest)):
            pull = self.pulls[int(m[1]) - 1]
            names = body if isinstance(body, list) else body.get("labels", [])
            pull.labels.extend(n for n in names if n not in pull.labels)
            labels = [
                {
                    "id": i,
                    "name": n,
                    "color": "ededed",
                    "default": False,
                    "description": None,
                    "url": self._api(f"/labels/{n}"),
                }
                for i, n in enumerate(pull.labels)
            ]
            return 200, labels, {}
        if method == "POST" and (m := re.fullmatch(r"/pulls/(\d+)/requested_reviewers", rest)):
            pull = self.pulls[int(m[1]) - 1]
            pull.reviewers.extend(body.get("reviewers", []))
            pull.team_reviewers.extend(body.get("team_reviewers", []))
            return 201, self._pull_json(pull), {}
        if method == "GET" and rest.startswith("/contents/"):
            return self._contents(unquote(rest[len("/contents/") :]), query.get("ref", self.base_branch))
        if method == "PATCH" and (m := re.fullmatch(r"/git/refs/(heads/.+)", rest)):
            return self._update_ref(m[1], body)
        if method == "GET" and (m := re.fullmatch(r"/commits/([^/]+)/status", rest)):
            return self._combined_status(unquote(m[1]))
        if method == "POST" and (m := re.fullmatch(r"/statuses/([0-9a-f]{40})", rest)):
            if m[1] not in self.commits:
                return _error(422, f"No commit found for SHA: {m[1]}")
            if body.get("state") not in ("error", "failure", "pending", "success"):
                return _error(
                    422, "Validation Failed", errors=[{"resource": "Status", "field": "state", "code": "custom"}]
                )
            if len(body.get("description") or "") > 140:  # the infra CI's first error line must fit
                message = "description is too long (maximum is 140 characters)"
                problem = {"resource": "Status", "field": "description", "code": "custom", "message": message}
                return _error(422, "Validation Failed", errors=[problem])
            return 201, self._create_status(m[1], body), {}
        if method == "PUT" and (m := re.fullmatch(r"/pulls/(\d+)/merge", rest)) and int(m[1]) <= len(self.pulls):
            return self._merge_pull(self.pulls[int(m[1]) - 1], body)
        return _error(404, "Not Found")

    # --- commit statuses, the merge endpoint, moving a branch (GitHub's answers, word for word) ------------
    def _move_ref(self, name: str, sha: str) -> None:
        self.refs[name] = sha
        for pull in self.pulls:
            if pull.state == "open" and f"heads/{pull.branch}" == name:
                pull.head_sha = sha

    def _update_ref(self, name: str, body: dict[str, Any]) -> Reply:
        if name not in self.refs:
            return _error(422, "Reference does not exist")
        if body.get("sha") not in self.commits:
            return _error(422, "Object does not exist")
        old = self.refs[name]
        if not body.get("force") and not self._descends(str(body["sha"]), old):
            return _error(422, "Update is not a fast forward")
        self._move_ref(name, str(body["sha"]))
        return 200, self._ref_json(name), {}

    def _descends(self, sha: str, ancestor: str) -> bool:
        todo = [sha]
        while todo:
            current = todo.pop()
            if current == ancestor:
                return True
            todo.extend(self.commits.get(current, {}).get("parents", []))
        return False

    def _status_json(self, sha: str, status: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self._api(f"/statuses/{sha}"),
            "avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4",
            "id": status["id"],
            "node_id": f"SC_{status['id']}",
            "state": status["state"],
            "description": status["description"],
            "target_url": status["target_url"],
            "context": status["context"],
            "created_at": status["created_at"],
            "updated_at": status["created_at"],
        }

    def _create_status(self, sha: str, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("state") not in ("error", "failure", "pending", "success"):
            raise ValueError(f"GitHub would refuse the state {body.get('state')!r} (422)")
        number = 1 + sum(len(v) for v in self.statuses.values())
        status = {
            "id": 1000 + number,
            "state": body["state"],
            "description": body.get("description"),
            "target_url": body.get("target_url"),
            "context": body.get("context") or "default",
            "created_at": _now_iso(),
        }
        self.statuses.setdefault(sha, []).append(status)
        return self._status_json(sha, status)

    def _combined_status(self, ref: str) -> Reply:
        sha = self.refs.get(f"heads/{ref}") or (ref if ref in self.commits else None)
        if sha is None:
            return _error(422, f"No commit found for SHA: {ref}")
        latest: dict[str, dict[str, Any]] = {}
        for status in self.statuses.get(sha, []):  # the newest status of each context
            latest[status["context"]] = status
        statuses = sorted(latest.values(), key=lambda s: s["id"], reverse=True)
        states = {s["state"] for s in statuses}
        combined = (
            "failure"
            if states & {"error", "failure"}
            else "pending"
            if not states or "pending" in states
            else "success"
        )
        repo = {"id": 1, "full_name": self.repo, "name": self.repo.split("/")[1], "url": self._api()}
        return (
            200,
            {
                "state": combined,
                "statuses": [self._status_json(sha, s) for s in statuses],
                "sha": sha,
                "total_count": len(statuses),
                "repository": repo,
                "commit_url": self._api(f"/commits/{sha}"),
                "url": self._api(f"/commits/{sha}/status"),
            },
            {},
        )

    def _merge_pull(self, pull: Pull, body: dict[str, Any]) -> Reply:
        """``PUT /pulls/{n}/merge``: 405 when GitHub would not merge it, 409 when ``sha`` is not the head."""
        documentation = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request"
        if pull.state != "open" or pull.unmergeable:
            message = pull.unmergeable or "Pull Request is not mergeable"
            return 405, {"message": message, "documentation_url": documentation, "status": "405"}, {}
        if body.get("sha") and body["sha"] != pull.head_sha:
            message = "Head branch was modified. Review and try the merge again."
            return 409, {"message": message, "documentation_url": documentation, "status": "409"}, {}
        method = body.get("merge_method") or "merge"
        self.merge_methods.append(method)
        head = self.commits[pull.head_sha]
        base_sha = self.refs[f"heads/{pull.base}"]
        merged = dict(self.trees[self.commits[base_sha]["tree"]])
        start = self._merge_base(pull.head_sha, base_sha)
        before = self.trees[self.commits[start]["tree"]] if start else {}
        after = self.trees[head["tree"]]
        merged.update({p: c for p, c in after.items() if before.get(p) != c})
        for gone in set(before) - set(after):
            merged.pop(gone, None)
        title = body.get("commit_title") or f"Merge pull request #{pull.number}"
        message = f"{title}\n\n{body.get('commit_message') or ''}".strip()
        parents = [base_sha] if method in ("squash", "rebase") else [base_sha, pull.head_sha]
        self.refs[f"heads/{pull.base}"] = sha = self._commit(merged, parents, message)
        pull.state, pull.merged, pull.merge_sha = "closed", True, sha
        return 200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"}, {}

    def _merge_base(self, head: str, base: str) -> str | None:
        seen: set[str] = set()
        todo = [base]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.commits[current]["parents"])
        todo = [head]
        while todo:
            current = todo.pop(0)
            if current in seen:
                return current
            todo.extend(self.commits[current]["parents"])
        return None

    def _create_tree(self, body: dict[str, Any]) -> Reply:
        files = dict(self.trees.get(body.get("base_tree", ""), {}))
        for item in body["tree"]:
            if "content" in item:
                files[item["path"]] = item["content"]
            elif item.get("sha", "") is None:
                if item["path"] not in files:
                    return _error(422, "GitRPC::BadObjectState")
                del files[item["path"]]
            else:
                return _error(422, "Only inline content and deletions are supported here")
        sha = _sha("tree", sorted(files.items()))
        self.trees[sha] = files
        entries = [
            {"path": p, "mode": "100644", "type": "blob", "sha": _sha("blob", c), "size": len(c)}
            for p, c in sorted(files.items())
        ]
        url = self._api(f"/git/trees/{sha}")
        return 201, {"sha": sha, "url": url, "tree": entries, "truncated": False}, {}

    def _create_pull(self, body: dict[str, Any]) -> Reply:
        branch = str(body["head"]).split(":")[-1]
        if f"heads/{branch}" not in self.refs or f"heads/{body['base']}" not in self.refs:
            return _error(
                422,
                "Validation Failed",
                errors=[{"resource": "PullRequest", "field": "head", "code": "invalid"}],
            )
        if any(p.branch == branch and p.state == "open" for p in self.pulls):
            exists = f"A pull request already exists for {self.owner}:{branch}."
            return _error(
                422,
                "Validation Failed",
                errors=[{"resource": "PullRequest", "code": "custom", "message": exists}],
            )
        pull = Pull(
            len(self.pulls) + 1,
            branch,
            body["base"],
            body.get("title", ""),
            body.get("body") or "",
            self.refs[f"heads/{branch}"],
        )
        self.pulls.append(pull)
        return 201, self._pull_json(pull), {}

    def _list_pulls(self, query: dict[str, str]) -> Reply:
        state, head = query.get("state", "open"), query.get("head")
        found = [
            p
            for p in reversed(self.pulls)  # newest first, as GitHub lists them
            if state in ("all", p.state) and (head is None or f"{self.owner}:{p.branch}" == head)
        ]
        page, per_page = int(query.get("page", "1")), min(int(query.get("per_page", "30")), 100)
        headers = {}
        if page * per_page < len(found):
            nxt = urlencode({**query, "page": str(page + 1), "per_page": str(per_page)})
            headers["Link"] = f'<{self._api("/pulls")}?{nxt}>; rel="next"'
        return 200, [self._pull_json(p) for p in found[(page - 1) * per_page : page * per_page]], headers

    def _contents(self, path: str, ref: str) -> Reply:
        sha = self.refs.get(f"heads/{ref}") or (ref if ref in self.commits else None)
        files = self.trees[self.commits[sha]["tree"]] if sha else {}
        if path in files:
            data = files[path].encode()
            return (
                200,
                {
                    "type": "file",
                    "encoding": "base64",
                    "size": len(data),
                    "path": path,
                    "name": path.rsplit("/")[-1],
                    "content": base64.b64encode(data).decode(),
                    "sha": _sha("blob", files[path]),
                    "url": self._api(f"/contents/{path}"),
                },
                {},
            )
        inside = sorted(p for p in files if p.startswith(path.rstrip("/") + "/"))
        if inside:
            return (
                200,
                [
                    {
                        "type": "file",
                        "name": p.rsplit("/")[-1],
                        "path": p,
                        "sha": _sha("blob", files[p]),
                        "size": len(files[p]),
                        "url": self._api(f"/contents/{p}"),
                    }
                    for p in inside
                ],
                {},
            )
        return _error(404, "Not Found")

    def _app_claims_ok(self, auth: str) -> bool:
        if not auth.startswith("Bearer ") or self.app_public_key is None:
            return False
        try:
            claims = jwt.decode(auth[7:], self.app_public_key, algorithms=["RS256"])
        except jwt.PyJWTError:
            return False
        return str(claims.get("iss")) == str(self.app_id)

    def _installation(self, *, match: re.Match[str], auth: str, **_: Any) -> Reply:
        if not self._app_claims_ok(auth):
            return _error(401, "A JSON web token could not be decoded")
        if match[1] != self.repo:
            return _error(404, "Not Found")
        tokens_url = f"{self.url}/app/installations/{self.installation_id}/access_tokens"
        return (
            200,
            {
                "id": self.installation_id,
                "app_id": self.app_id,
                "account": {"login": self.owner},
                "target_type": "Organization",
                "repository_selection": "selected",
                "access_tokens_url": tokens_url,
                "permissions": PERMISSIONS,
                "events": self.setup.app_events,
            },
            {},
        )

    def _app_hook(self, *, auth: str, **_: Any) -> Reply:
        if not self._app_claims_ok(auth):
            return _error(401, "A JSON web token could not be decoded")
        return self.setup.app_hook_reply()

    def _access_token(self, *, match: re.Match[str], auth: str, **_: Any) -> Reply:
        if not self._app_claims_ok(auth):
            return _error(401, "A JSON web token could not be decoded")
        if int(match[1]) != self.installation_id:
            return _error(404, "Not Found")
        token = "ghs_" + secrets.token_hex(18)
        self.tokens.add(token)
        return (
            201,
            {
                "token": token,
                "expires_at": _now_iso(3600),
                "repository_selection": "selected",
                "permissions": PERMISSIONS,
            },
            {},
        )

    def _fault_for(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.method == method and fault.pattern.search(path):
                    fault.times -= 1
                    return fault
        return None

    def dispatch(self, method: str, target: str, body: Any, auth: str) -> Reply:
        parts = urlsplit(target)
        path, query = parts.path, dict(parse_qsl(parts.query))
        fault = self._fault_for(method, path)
        if fault and fault.secondary_limit:
            status, data, headers = _error(fault.status or 403, SECONDARY_LIMIT)
            if fault.retry_after is not None:
                headers = {"Retry-After": str(fault.retry_after)}
        elif fault and fault.forbidden:
            message, documentation_url = fault.forbidden.split("\n", 1)
            status, data, headers = (
                403,
                {"message": message, "documentation_url": documentation_url, "status": "403"},
                {},
            )
        elif fault and fault.status:
            status, data, headers = _error(fault.status, "Server Error")
        else:
            status, data, headers = self.handle(method, path, query, body, auth)
        with self._lock:
            self.calls.append(Call(method, path, query, self.clock(), status))
        if fault and fault.delay:
            time.sleep(fault.delay)  # GitHub acted; the answer is late (the client may have given up)
        return status, data, headers


def _handler_for(server: GitHubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stalls

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            status, data, headers = server.dispatch(
                self.command, self.path, body, self.headers.get("Authorization", "")
            )
            payload = json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); GitHub would have acted anyway

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class FakeClock:
    """A clock for pacing tests: ``sleep`` returns at once and moves the clock on (one sleeper at a time)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds
