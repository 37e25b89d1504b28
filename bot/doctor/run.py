"""Runs every check in order — store, Slack, GitHub, Google — and prints one line each."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.doctor.github import github_checks
from bot.doctor.google import google_checks
from bot.doctor.report import Check, exit_code, fail, ok
from bot.doctor.slack import MANIFEST, manifest_scopes, slack_checks

if TYPE_CHECKING:
    from google.auth.credentials import Credentials


def run_doctor(
    settings: Settings,
    policy: Policy,
    env: Mapping[str, str],
    *,
    bot_url: str | None = None,
    manifest: Path | None = None,
    google_credentials: Credentials | None = None,
    say: Callable[[str], None] = print,
) -> int:
    """Prints one line per check as it completes; 1 if any check failed (✗), else 0 (⚠ allowed)."""
    checks: list[Check] = []

    def report(found: list[Check]) -> None:
        for check in found:
            say(check.line())
        checks.extend(found)

    report([_store(settings)])
    report(_slack(settings, policy, manifest))
    report(github_checks(settings, policy, bot_url=bot_url or _bot_url(settings)))
    report(google_checks(settings, policy, env, credentials=google_credentials))
    failed = sum(1 for c in checks if c.mark == "fail")
    say(f"{failed} problem(s) to fix" if failed else "All checks passed")
    return exit_code(checks)


def _store(settings: Settings) -> Check:
    from bot.backends import open_store_from
    from bot.domain.errors import TryAgainLater

    try:
        store = open_store_from(settings)
        try:
            store.ping()
        finally:
            store.close()
    except TryAgainLater as e:
        return fail(f"Store: {settings.store_url} does not answer ({e.message})", "check NOTEBOOK_BOT_STORE")
    except ValueError as e:
        return fail(f"Store: {e}", "set NOTEBOOK_BOT_STORE to sqlite:///PATH or firestore://PROJECT[/DATABASE]")
    return ok(f"Store: {settings.store_url} answers")


def _slack(settings: Settings, policy: Policy, manifest: Path | None) -> list[Check]:
    from bot.wiring import slack_client

    path = manifest or _default_manifest()
    return slack_checks(slack_client(settings), policy, manifest_scopes(path), str(path))


def _default_manifest() -> Path:
    # Run from a checkout (the usual place for doctor), else next to the installed package.
    here = Path.cwd() / MANIFEST
    return here if here.exists() else Path(__file__).resolve().parents[2] / MANIFEST


def _bot_url(settings: Settings) -> str | None:
    # On Cloud Run the reconcile audience is the service's own URL.
    audience = settings.reconcile_audience or ""
    return audience.rstrip("/") if audience.startswith("https://") else None
