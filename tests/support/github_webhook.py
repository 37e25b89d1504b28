"""GitHub's pull-request and status webhooks as GitHub sends them: the payload, signed with the webhook secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from typing import Any
from urllib.error import HTTPError

from bot.domain.request import PullRequestRef


def pull_request_closed(pr: PullRequestRef, *, merged: bool, repo: str | None = None) -> dict[str, Any]:
    """The ``pull_request`` ``closed`` event for ``pr`` (with ``repository``/``head.repo`` when ``repo``)."""
    head: dict[str, Any] = {"ref": pr.branch}
    payload: dict[str, Any] = {
        "action": "closed",
        "number": pr.number,
        "pull_request": {
            "number": pr.number,
            "html_url": pr.url,
            "merged": merged,
            "head": head,
            "base": {"ref": "main"},
        },
    }
    if repo is not None:
        payload["repository"] = {"full_name": repo}
        head["repo"] = {"full_name": repo}
    return payload


def status_event(
    sha: str,
    context: str,
    state: str,
    *,
    description: str = "",
    target_url: str | None = None,
    branches: tuple[str, ...] = (),
    repo: str = "acme/infra",
    status_id: int = 1,
) -> dict[str, Any]:
    """The ``status`` event GitHub sends when a commit status is set (the fields of GitHub's payload)."""
    return {
        "id": status_id,
        "sha": sha,
        "name": repo,
        "target_url": target_url,
        "context": context,
        "description": description or None,
        "state": state,
        "commit": {
            "sha": sha,
            "commit": {"message": "notebook: ..."},
            "url": f"https://api.github.com/repos/{repo}/commits/{sha}",
        },
        "branches": [
            {
                "name": b,
                "commit": {"sha": sha, "url": f"https://api.github.com/repos/{repo}/commits/{sha}"},
                "protected": False,
            }
            for b in branches
        ],
        "created_at": "2026-11-25T09:00:00+00:00",
        "updated_at": "2026-11-25T09:00:00+00:00",
        "repository": {"full_name": repo, "name": repo.split("/")[1]},
        "sender": {"login": "github-actions[bot]"},
    }


def post_webhook(
    server_url: str,
    payload: dict[str, Any] | bytes,
    *,
    secret: str,
    delivery: str = "d-1",
    event: str = "pull_request",
) -> tuple[int, dict[str, Any]]:
    """POSTs ``payload`` to ``/github/webhook``, signed as GitHub signs it; returns (status, JSON answer)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }
    request = urllib.request.Request(server_url + "/github/webhook", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")
