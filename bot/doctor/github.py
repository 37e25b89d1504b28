"""GitHub: the bot can read and write the repository, the base branch exists, a webhook reaches the bot with
a secret and the events it needs, and branch protection lets the bot merge when the policy says it does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from github import Auth, Consts, Github, GithubException, GithubIntegration
from github.Repository import Repository

from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.doctor.report import Check, fail, ok, skip, warn
from bot.infra.github_auth import retry_policy
from bot.infra.github_errors import TRANSPORT_ERRORS

WEBHOOK_PATH = "/github/webhook"
EVENTS = ("pull_request", "status")
# What a GitHub App installation needs: write files and pull requests, read commit statuses (plan and apply).
APP_PERMISSIONS = {"contents": "write", "pull_requests": "write", "statuses": "read"}
_LEVEL = {"read": 1, "write": 2, "admin": 3}


@dataclass(frozen=True)
class AppInstallation:
    """What a GitHub App installation was granted, and where the App's own webhook sends (None: unreadable)."""

    permissions: dict[str, str]
    events: list[str]
    hook: dict[str, Any] | None


def github_checks(settings: Settings, policy: Policy, *, bot_url: str | None) -> list[Check]:
    """Checks ``github:OWNER/NAME`` with the bot's own credentials; the local repository needs none."""
    if not settings.repo_url.startswith("github:"):
        return [skip(f"GitHub: not used (NOTEBOOK_BOT_REPO={settings.repo_url})")]
    full = settings.repo_url.removeprefix("github:")
    options: dict[str, Any] = {
        "base_url": (settings.github_api_url or Consts.DEFAULT_BASE_URL).rstrip("/"),
        "timeout": 15,
        "retry": retry_policy(1, 0.2),
        "user_agent": "notebook-bot-doctor",
    }
    checks: list[Check] = []
    try:
        client, app = _client(settings, full, options)
        repo = client.get_repo(full)
        checks.append(_write_access(repo, full, app))
        checks.append(_base_branch(repo, policy.repo.base_branch))
        checks.append(_app_webhook(app, bot_url) if app and _app_hook_used(app, bot_url) else _webhook(repo, bot_url))
        if policy.repo.merge == "when_checks_pass":
            checks.append(_protection(repo, policy.repo.base_branch))
    except GithubException as e:
        checks.append(_refused(e, full))
    except TRANSPORT_ERRORS as e:
        checks.append(fail(f"GitHub: cannot reach {options['base_url']} ({type(e).__name__})", "check GITHUB_API_URL"))
    except ValueError as e:
        checks.append(fail(f"GitHub: {e}", "set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"))
    return checks


def _client(settings: Settings, full: str, options: dict[str, Any]) -> tuple[Github, AppInstallation | None]:
    """A client with the bot's credentials, and what the App installation has (None for a token)."""
    if settings.github_app_id:
        if not settings.github_app_private_key:
            raise ValueError("GITHUB_APP_ID is set but GITHUB_APP_PRIVATE_KEY is empty")
        key = settings.github_app_private_key.reveal()
        key = key.replace("\\n", "\n") if "\\n" in key and "\n" not in key.strip() else key
        app = Auth.AppAuth(settings.github_app_id, key)
        integration = GithubIntegration(auth=app, **options)
        try:
            owner, _, name = full.partition("/")
            installation = integration.get_repo_installation(owner, name)
        finally:
            integration.close()
        raw = installation.raw_data
        found = AppInstallation(
            permissions={str(k): str(v) for k, v in (raw.get("permissions") or {}).items()},
            events=[str(e) for e in raw.get("events") or []],
            hook=_app_hook(options["base_url"], app.create_jwt()),
        )
        return Github(auth=app.get_installation_auth(installation.id), **options), found
    if settings.github_token:
        return Github(auth=Auth.Token(settings.github_token.reveal()), **options), None
    raise ValueError("no credentials for a github: repository")


def _app_hook(base_url: str, jwt: str) -> dict[str, Any] | None:
    """The App's own webhook configuration (``GET /app/hook/config``, signed in as the App)."""
    headers = {"Authorization": f"Bearer {jwt}", "Accept": "application/vnd.github+json"}
    try:
        answer = requests.get(f"{base_url}/app/hook/config", headers=headers, timeout=15)
    except requests.RequestException:
        return None
    config = answer.json() if answer.ok else None
    return config if isinstance(config, dict) else None


def _app_hook_used(app: AppInstallation, bot_url: str | None) -> bool:
    return app.hook is not None and _points_at(str(app.hook.get("url") or ""), _wanted(bot_url))


def _app_webhook(app: AppInstallation, bot_url: str | None) -> Check:
    assert app.hook is not None
    problems = _hook_problems(True, app.events, app.hook)
    if problems:
        return fail(
            f"GitHub: the App's webhook to {app.hook.get('url')} {'; '.join(problems)}",
            "edit the App's settings (Webhook, and Permissions & events → Subscribe to events)",
        )
    return ok(f"GitHub: the App's webhook sends {', '.join(EVENTS)} to {app.hook.get('url')} with a secret")


def _write_access(repo: Repository, full: str, app: AppInstallation | None) -> Check:
    if app is not None:
        short = [
            f"{name}: {need}"
            for name, need in APP_PERMISSIONS.items()
            if _LEVEL.get(app.permissions.get(name, ""), 0) < _LEVEL[need]
        ]
        if short:
            return fail(
                f"GitHub: the App installation on {full} lacks {', '.join(short)}",
                "grant them in the App's settings (Permissions & events), then accept them on the installation",
            )
        return ok(f"GitHub: the App can read and write {full}")
    permissions = repo.permissions
    if permissions is None or not permissions.push:
        return fail(
            f"GitHub: the token can read {full} but not write to it",
            "give the token Contents and Pull requests write access (classic: the repo scope) on this repository",
        )
    return ok(f"GitHub: the token can read and write {full}")


def _base_branch(repo: Repository, base: str) -> Check:
    try:
        branch = repo.get_branch(base)
    except GithubException as e:
        if e.status == 404:
            return fail(
                f"GitHub: base branch {base} does not exist", "create it, or set repo.base_branch in the policy"
            )
        raise
    return ok(f"GitHub: base branch {base} exists (at {branch.commit.sha[:7]})")


def _wanted(bot_url: str | None) -> str | None:
    return bot_url.rstrip("/") + WEBHOOK_PATH if bot_url else None


def _webhook(repo: Repository, bot_url: str | None) -> Check:
    wanted = _wanted(bot_url)
    target = wanted or f"the bot's {WEBHOOK_PATH}"
    try:
        hooks = [h for h in repo.get_hooks() if _points_at(str(h.config.get("url", "")), wanted)]
    except GithubException as e:
        if e.status not in (403, 404):
            raise
        return fail(
            f"GitHub: cannot read the webhooks of {repo.full_name} ({e.status})",
            "let the bot's credentials read webhooks (token: admin on the repo or Webhooks: read; "
            "App: Repository webhooks: read), or check Settings → Webhooks by hand",
        )
    if not hooks:
        return fail(
            f"GitHub: no webhook sends to {target}",
            f"add one in Settings → Webhooks: payload URL {target}, content type application/json, "
            f"the secret in GITHUB_WEBHOOK_SECRET, events {' and '.join(EVENTS)}",
        )
    problems: list[str] = []
    for hook in hooks:
        problems = _hook_problems(hook.active, hook.events, hook.config)
        if not problems:
            return ok(f"GitHub: webhook {hook.id} sends {', '.join(EVENTS)} to {hook.config.get('url')} with a secret")
    return fail(f"GitHub: the webhook to {target} {'; '.join(problems)}", "edit it in Settings → Webhooks")


def _points_at(url: str, wanted: str | None) -> bool:
    return url.rstrip("/") == wanted if wanted else url.rstrip("/").endswith(WEBHOOK_PATH)


def _hook_problems(active: bool, events: list[str], config: dict[str, Any]) -> list[str]:
    problems = [] if active else ["is not active"]
    if not config.get("secret"):
        problems.append("has no secret (set the one in GITHUB_WEBHOOK_SECRET)")
    if config.get("content_type") != "json":
        problems.append("sends form data (choose content type application/json)")
    missing = [e for e in EVENTS if e not in events and "*" not in events]
    if missing:
        problems.append(f"does not send {', '.join(missing)} events")
    return problems


def _protection(repo: Repository, base: str) -> Check:
    try:
        protection = repo.get_branch(base).get_protection()
    except GithubException as e:
        if e.status == 404 and "not protected" in str(e.data.get("message", "")).lower():
            return ok(f"GitHub: no branch protection on {base} stands in the way of the bot's merges")
        return warn(
            f"GitHub: cannot read the branch protection of {base} ({e.status})",
            "check that it requires no review the bot cannot give, or set repo.merge: manual",
        )
    reviews = protection.required_pull_request_reviews
    count = reviews.required_approving_review_count if reviews is not None else 0
    if count:
        return warn(
            f"GitHub: branch protection on {base} requires {count} approving review(s): "
            "the bot's merges (repo.merge: when_checks_pass) will be refused",
            "let the bot bypass the rule, drop the review requirement, or set repo.merge: manual",
        )
    return ok(f"GitHub: branch protection on {base} lets the bot merge once checks pass")


def _refused(e: GithubException, full: str) -> Check:
    message = str((e.data or {}).get("message", "")) if isinstance(e.data, dict) else ""
    if e.status == 401:
        return fail(f"GitHub: the credentials are refused ({message or 401})", "set a valid GITHUB_TOKEN or App key")
    if e.status == 404:
        return fail(
            f"GitHub: repository {full} not found, or not visible to the bot",
            "check NOTEBOOK_BOT_REPO, and give the token or install the App on this repository",
        )
    if e.status == 403:
        return fail(f"GitHub: access to {full} refused (403 {message})", "give the bot access to the repository")
    return fail(f"GitHub: {full} answered {e.status} {message}", "try again later")
