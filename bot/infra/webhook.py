"""GitHub webhooks: signature verification and the events the bot acts on. Pure functions.

The HTTP route reads the raw body, refuses it unless :func:`verify_signature` accepts the
``X-Hub-Signature-256`` header, dedupes on ``X-GitHub-Delivery``, then hands ``X-GitHub-Event`` and the
parsed JSON to :func:`parse_pull_request_event` and :func:`parse_status_event`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.infra.base import APPLY, PLAN, PullRequestState

SIGNATURE_PREFIX = "sha256="


@dataclass(frozen=True)
class PullRequestEvent:
    """A pull request of the infra repository was merged or closed (``action`` is GitHub's, e.g. "closed")."""

    branch: str
    number: int
    url: str
    state: PullRequestState
    action: str


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether ``header`` (``X-Hub-Signature-256``) is the HMAC-SHA256 of the raw ``body`` with ``secret``.

    An empty secret accepts nothing: an unconfigured webhook must not trust anyone.
    """
    if not secret or not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    given = header[len(SIGNATURE_PREFIX) :].strip().lower()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace"))


def parse_pull_request_event(
    event: str,
    payload: Mapping[str, Any],
    *,
    repo_full_name: str | None = None,
    branch_prefix: str | None = None,
) -> PullRequestEvent | None:
    """The merge or close of a pull request, or None for anything else (other events and actions, "ping").

    With ``repo_full_name`` and ``branch_prefix``, pull requests of other repositories (an organisation-wide
    webhook) and of branches the bot did not open are ignored too.
    """
    if event != "pull_request" or payload.get("action") != "closed":
        return None
    pull = payload.get("pull_request")
    if not isinstance(pull, Mapping):
        return None
    head = pull.get("head")
    branch = head.get("ref") if isinstance(head, Mapping) else None
    number = pull.get("number")
    if not isinstance(branch, str) or not isinstance(number, int) or isinstance(number, bool):
        return None
    if repo_full_name is not None:
        repository = payload.get("repository")
        name = repository.get("full_name") if isinstance(repository, Mapping) else None
        if not isinstance(name, str) or name.lower() != repo_full_name.lower():
            return None
        # A fork's pull request may carry a branch named like ours: only our repository's own branches count.
        head_repo = head.get("repo") if isinstance(head, Mapping) else None
        head_name = head_repo.get("full_name") if isinstance(head_repo, Mapping) else None
        if not isinstance(head_name, str) or head_name.lower() != repo_full_name.lower():
            return None
    if branch_prefix is not None and not branch.startswith(branch_prefix):
        return None
    state: PullRequestState = "merged" if pull.get("merged") is True else "closed"
    return PullRequestEvent(
        branch=branch, number=number, url=str(pull.get("html_url") or ""), state=state, action="closed"
    )


@dataclass(frozen=True)
class StatusEvent:
    """The pipeline's plan or apply finished on commit ``sha`` (``branches``: ours among those that hold it)."""

    sha: str
    context: str
    state: str
    branches: tuple[str, ...]


def parse_status_event(
    event: str,
    payload: Mapping[str, Any],
    *,
    repo_full_name: str | None = None,
    branch_prefix: str | None = None,
) -> StatusEvent | None:
    """A finished ``notebook-bot/plan`` or ``notebook-bot/apply`` commit status, or None for anything else
    (other contexts, ``pending``, other repositories)."""
    if event != "status":
        return None
    sha, context, state = payload.get("sha"), payload.get("context"), payload.get("state")
    if not isinstance(sha, str) or context not in (PLAN, APPLY) or state not in ("success", "failure", "error"):
        return None
    if repo_full_name is not None:
        repository = payload.get("repository")
        name = repository.get("full_name") if isinstance(repository, Mapping) else None
        if not isinstance(name, str) or name.lower() != repo_full_name.lower():
            return None
    branches = []
    for branch in payload.get("branches") or []:
        name = branch.get("name") if isinstance(branch, Mapping) else None
        if isinstance(name, str) and (branch_prefix is None or name.startswith(branch_prefix)):
            branches.append(name)
    return StatusEvent(sha=sha, context=str(context), state=str(state), branches=tuple(branches))
