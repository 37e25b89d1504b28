"""The infrastructure repository: where environment files are committed through pull requests."""

from bot.infra.base import FileChange, InfraRepo, PullRequest, RepoUnavailable

__all__ = ["FileChange", "InfraRepo", "PullRequest", "RepoUnavailable"]
