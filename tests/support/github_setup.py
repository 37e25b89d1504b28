"""The loopback GitHub's setup endpoints, as ``notebook-bot doctor`` reads them: the caller's permissions
on the repository, branches and their protection, and the repository's webhooks (REST API JSON shapes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Reply = tuple[int, Any, dict[str, str]]
DOCS = "https://docs.github.com/rest"


@dataclass
class GitHubSetup:
    """What doctor looks at; tests change it to make a bad day."""

    permissions: dict[str, bool] = field(
        default_factory=lambda: {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True}
    )
    hooks: list[dict[str, Any]] | None = field(default_factory=list)  # None: 404, as without admin rights
    protection: dict[str, dict[str, Any]] = field(default_factory=dict)  # branch -> protection JSON
    # A GitHub App's own webhook (GET /app/hook/config; None: the App has none) and the installation's events.
    app_hook: dict[str, Any] | None = None
    app_events: list[str] = field(default_factory=lambda: ["pull_request", "status"])

    def set_app_hook(self, url: str, *, secret: bool = True, content_type: str = "json") -> None:
        self.app_hook = {"content_type": content_type, "insecure_ssl": "0", "url": url}
        if secret:
            self.app_hook["secret"] = "********"

    def app_hook_reply(self) -> Reply:
        if self.app_hook is None:
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        return 200, self.app_hook, {}

    def add_hook(
        self,
        api: str,
        url: str,
        *,
        events: list[str] | None = None,
        secret: bool = True,
        content_type: str = "json",
        active: bool = True,
    ) -> dict[str, Any]:
        """A repository webhook as GitHub lists it (a set secret reads "********")."""
        assert self.hooks is not None
        number = 12345678 + len(self.hooks)
        config: dict[str, Any] = {"content_type": content_type, "insecure_ssl": "0", "url": url}
        if secret:
            config["secret"] = "********"
        hook = {
            "type": "Repository",
            "id": number,
            "name": "web",
            "active": active,
            "events": events if events is not None else ["pull_request", "status"],
            "config": config,
            "updated_at": "2026-11-01T12:00:00Z",
            "created_at": "2026-11-01T12:00:00Z",
            "url": f"{api}/hooks/{number}",
            "test_url": f"{api}/hooks/{number}/test",
            "ping_url": f"{api}/hooks/{number}/pings",
            "deliveries_url": f"{api}/hooks/{number}/deliveries",
            "last_response": {"code": None, "status": "unused", "message": None},
        }
        self.hooks.append(hook)
        return hook

    def require_reviews(self, api: str, branch: str, count: int = 1) -> None:
        """Classic branch protection that requires ``count`` approving reviews before a merge."""
        url = f"{api}/branches/{branch}/protection"
        self.protection[branch] = {
            "url": url,
            "required_status_checks": None,
            "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": False},
            "required_pull_request_reviews": {
                "url": f"{url}/required_pull_request_reviews",
                "dismiss_stale_reviews": False,
                "require_code_owner_reviews": False,
                "require_last_push_approval": False,
                "required_approving_review_count": count,
            },
            "required_linear_history": {"enabled": False},
            "allow_force_pushes": {"enabled": False},
            "allow_deletions": {"enabled": False},
        }

    def answer(self, method: str, rest: str, api: str, refs: dict[str, str]) -> Reply | None:
        """GitHub's answer for ``rest`` (the path after ``/repos/OWNER/NAME``), or None if not one of these."""
        if method != "GET":
            return None
        if rest == "/hooks":
            if self.hooks is None:
                return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
            return 200, self.hooks, {}
        if m := re.fullmatch(r"/branches/(.+)/protection", rest):
            if m[1] not in self.protection:
                return 404, {"message": "Branch not protected", "documentation_url": DOCS}, {}
            return 200, self.protection[m[1]], {}
        if m := re.fullmatch(r"/branches/([^/]+)", rest):
            sha = refs.get(f"heads/{m[1]}")
            if sha is None:
                return 404, {"message": "Branch not found", "documentation_url": DOCS}, {}
            return (
                200,
                {
                    "name": m[1],
                    "commit": {"sha": sha, "url": f"{api}/commits/{sha}"},
                    "_links": {"self": f"{api}/branches/{m[1]}", "html": f"{api}/tree/{m[1]}"},
                    "protected": m[1] in self.protection,
                    "protection": {"enabled": m[1] in self.protection, "required_status_checks": {}},
                    "protection_url": f"{api}/branches/{m[1]}/protection",
                },
                {},
            )
        return None
