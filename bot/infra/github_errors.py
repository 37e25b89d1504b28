"""How GitHub's answers map to our errors: rate limits to a wait, everything else to ``RepoUnavailable``.

Messages name the permission or setting to fix. They never carry credentials: PyGithub keeps the token in a
request header, and neither headers nor request bodies are quoted here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
import urllib3.exceptions
from github import GithubException
from github.Requester import Requester

from bot.infra.base import RepoUnavailable
from bot.infra.pacing import RateLimited

SECONDARY_LIMIT_WAIT = 60.0  # GitHub: "wait for at least one minute" when no Retry-After is given

PERMISSIONS = (
    "the token needs Contents: read and write and Pull requests: read and write on this repository "
    "(a classic token: the 'repo' scope); a GitHub App needs the same permissions (and Issues: write "
    "for labels) and must be installed on the repository"
)


# What to grant when GitHub refuses (403) the extras of a pull request while it lets the pull request be opened.
MISSING_PERMISSION = {
    "labels": (
        "give the GitHub App the repository permission Issues: Read and write (labels are set through "
        "the Issues API), then accept the new permission on its installation; a fine-grained token needs "
        "Issues: write too (a classic token: the 'repo' scope)"
    ),
    "reviewers": "give the GitHub App or token Pull requests: Read and write, and make the reviewers collaborators",
}


def refused_extra(what: str, repo: str, error: GithubException) -> str:
    """What admins read when GitHub refused the ``what`` (labels, reviewers) of a pull request, and the fix."""
    grant = MISSING_PERMISSION.get(what, "grant the permission GitHub names")
    return (
        f"GitHub refused to add {what} to the bot's pull requests on {repo} "
        f"({error.status} {github_message(error) or 'Forbidden'}). Pull requests are opened without them. "
        f"To fix: {grant}."
    )


def github_message(error: GithubException) -> str:
    """GitHub's message, with the validation errors it carries (where "already exists" is usually said)."""
    data: Any = error.data
    if not isinstance(data, dict):
        return str(data or "")
    parts = [str(data.get("message") or "")]
    for item in data.get("errors") or []:
        parts.append(str(item.get("message") or item.get("code") or "") if isinstance(item, dict) else str(item))
    return "; ".join(p for p in parts if p)


def says(error: GithubException, words: str) -> bool:
    """Whether GitHub's message contains ``words`` (case-insensitive)."""
    return words.lower() in github_message(error).lower()


def rate_limit_wait(error: GithubException, *, now: float | None = None) -> float | None:
    """Seconds to wait before sending the same request again, or None when this is not a rate limit."""
    if error.status not in (403, 429):
        return None
    headers = {k.lower(): str(v) for k, v in (error.headers or {}).items()}
    if "retry-after" in headers:
        # Any number may come (99999999999 has): the Pacer bounds the wait; only nonsense is replaced here.
        try:
            asked = float(headers["retry-after"])
        except ValueError:
            return SECONDARY_LIMIT_WAIT
        return SECONDARY_LIMIT_WAIT if math.isnan(asked) else max(0.0, asked)
    message = github_message(error)
    if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset", "").isdigit():
        current = time.time() if now is None else now
        return max(1.0, float(headers["x-ratelimit-reset"]) - current + 1)
    if Requester.isRateLimitError(message) or error.status == 429:
        return SECONDARY_LIMIT_WAIT
    return None


def describe(error: BaseException, *, repo: str, action: str) -> str:
    """One sentence for the logs and the admin: what failed, and what to check."""
    if isinstance(error, RateLimited):
        return f"GitHub kept refusing with a rate limit while {action} on {repo}; it will be retried later"
    if isinstance(error, GithubException):
        status, message = error.status, github_message(error) or "no message"
        if status == 401:
            return (
                f"GitHub refused the credentials (401 {message}) while {action}: check GITHUB_TOKEN, "
                "or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID"
            )
        if status == 403:
            return f"GitHub refused {action} on {repo} (403 {message}): {PERMISSIONS}"
        if status == 404:
            return (
                f"GitHub answered 404 while {action} on {repo}: check NOTEBOOK_BOT_REPO and the base branch, "
                f"and that the credentials can see the repository ({PERMISSIONS})"
            )
        return f"GitHub answered {status} ({message}) while {action} on {repo}"
    return f"could not reach GitHub while {action} on {repo} ({type(error).__name__})"


TRANSPORT_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


@contextmanager
def repo_errors(repo: str, action: str) -> Iterator[None]:
    """Turns any GitHub or network failure inside the block into ``RepoUnavailable`` (the work is retried)."""
    try:
        yield
    except (GithubException, RateLimited, *TRANSPORT_ERRORS) as error:
        raise RepoUnavailable(describe(error, repo=repo, action=action)) from error
