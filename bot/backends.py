"""Choosing the backends named by the environment variables (README; docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from bot.cloud.base import Cloud
from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.infra.base import InfraRepo
from bot.store import open_store
from bot.store.base import Store

__all__ = ["open_cloud", "open_repo", "open_store", "open_store_from"]


def open_store_from(settings: Settings) -> Store:
    return open_store(settings.store_url)


def open_repo(settings: Settings, policy: Policy, store: Store | None = None) -> InfraRepo:
    """``local:PATH`` (a git repository on disk) or ``github:OWNER/NAME``; with ``store``, GitHub's write
    pacing is shared through it by every instance writing with the same identity."""
    kind, _, where = settings.repo_url.partition(":")
    if kind == "local":
        from bot.infra.local_git import LocalGitRepo

        return LocalGitRepo(where, base_branch=policy.repo.base_branch, branch_prefix=policy.repo.branch_prefix)
    if kind == "github":
        from bot.infra.github import github_repo_from_settings

        pacer = None
        if store is not None:
            from bot.infra.pacing import Pacer
            from bot.infra.shared_budget import SharedBudget, identity_key

            who = (
                f"app-{settings.github_app_id}"
                if settings.github_app_id
                else identity_key(settings.github_token.reveal() if settings.github_token else where)
            )
            # GitHub allows 80 content-creating writes a minute and 500 an hour; late wake-ups bunch writes a
            # little, so the budget every instance shares keeps some in hand.
            pacer = Pacer(shared=SharedBudget(store, f"github-writes:{who}", 72, 450).delay)

        return github_repo_from_settings(
            where,
            token=settings.github_token.reveal() if settings.github_token else None,
            app_id=settings.github_app_id,
            app_private_key=settings.github_app_private_key.reveal() if settings.github_app_private_key else None,
            installation_id=settings.github_app_installation_id,
            api_url=settings.github_api_url,
            base_branch=policy.repo.base_branch,
            branch_prefix=policy.repo.branch_prefix,
            pacer=pacer,
        )
    raise ValueError(f"NOTEBOOK_BOT_REPO={settings.repo_url!r}: expected local:PATH or github:OWNER/NAME")


def open_cloud(settings: Settings, repo: InfraRepo, policy: Policy) -> Cloud:
    """``gcp`` (Google's APIs, credentials from google.auth.default) or ``simulated``."""
    if settings.cloud == "simulated":
        from bot.cloud.simulated import SimulatedCloud

        return SimulatedCloud(repo.exists_on_base, region=policy.gcp.region)
    if settings.cloud == "gcp":
        from bot.cloud.gcp import GcpCloud

        kwargs: dict[str, Any] = {}
        if settings.notebooks_api_url:
            kwargs["notebooks_api_url"] = settings.notebooks_api_url
        if settings.dataproc_api_url:
            kwargs["dataproc_api_url"] = settings.dataproc_api_url
        return GcpCloud(**kwargs)
    raise ValueError(f"NOTEBOOK_BOT_CLOUD={settings.cloud!r}: expected gcp or simulated")
