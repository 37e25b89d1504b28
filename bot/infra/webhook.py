"""GitHub webhooks: signature check and the pull request events the bot acts on. Pure functions."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class PullRequestEvent:
    branch: str
    number: int
    url: str
    state: Literal["merged", "closed", "open"]
    action: str


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether ``X-Hub-Signature-256`` is the HMAC-SHA256 of the raw body with the webhook secret."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def parse_pull_request_event(event: str, payload: dict[str, Any]) -> PullRequestEvent | None:
    """A merged or closed pull request, or None for everything the bot ignores."""
    if event != "pull_request" or payload.get("action") != "closed":
        return None
    pr = payload.get("pull_request") or {}
    head = pr.get("head") or {}
    if not head.get("ref") or not isinstance(pr.get("number"), int):
        return None
    state: Literal["merged", "closed"] = "merged" if pr.get("merged") else "closed"
    return PullRequestEvent(branch=str(head["ref"]), number=pr["number"], url=str(pr.get("html_url", "")),
                            state=state, action="closed")
