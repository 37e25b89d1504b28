"""One router for "a pull request of ours was merged or closed", from the webhook and from reconcile:
it finds the request the branch names and hands the event to the flow that opened the pull request
(creation or removal). It sits above both flows, which know nothing of each other."""

from __future__ import annotations

from bot.domain.request import EnvironmentRequest
from bot.infra.base import PullRequest
from bot.workflow.ports import Deps
from bot.workflow.provisioning import Provisioning
from bot.workflow.pull_requests import is_removal, parse_branch
from bot.workflow.removal import Removal


class PullRequestEvents:
    """Routes pull request events to ``Provisioning`` (``<prefix><id>``) or ``Removal`` (``…-remove``)."""

    def __init__(self, deps: Deps, provisioning: Provisioning, removal: Removal) -> None:
        self.deps = deps
        self.provisioning = provisioning
        self.removal = removal

    def pull_request_event(self, branch: str) -> EnvironmentRequest | None:
        """A webhook said this branch's pull request was closed: ask the repository what really happened."""
        pr = self.deps.repo.find_pull_request(branch)
        if pr is None or pr.state == "open":
            return None
        return self.pull_request_changed(pr)

    def pull_request_changed(self, pr: PullRequest) -> EnvironmentRequest | None:
        """A pull request of ours was merged or closed (from the webhook, or found by reconcile)."""
        parsed = parse_branch(self.deps.policy, pr.branch)
        if parsed is None:
            return None
        request_id, purpose = parsed
        request = self.deps.store.get(request_id)
        if request is None:
            return None
        if is_removal(purpose):
            return self.removal.pull_request_changed(request, pr)
        return self.provisioning.pull_request_changed(request, pr)
