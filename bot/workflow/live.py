"""Live state from the cloud for what people look at, with a short cache so App Home spares Google."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.cloud.base import CloudError, CloudStatus
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.workflow.ports import Deps
from bot.workflow.rendering import cloud_environment

# Only these states have (or are about to have) a resource worth asking Google about.
ASKED = frozenset({State.APPLYING, State.READY, State.DELETING})


@dataclass(frozen=True)
class EnvironmentView:
    """An environment as a person sees it: the stored request and, where it has one, its live cloud state."""

    request: EnvironmentRequest
    cloud: CloudStatus | None = None
    # Set when Google could not be asked: the view then shows the stored state and says so.
    cloud_problem: str | None = None

    @property
    def cloud_state(self) -> str | None:
        return self.cloud.state if self.cloud else None


class LiveStatus:
    """Asks the cloud for the state of environments, remembering each answer for ``ttl``.

    The cache is per instance and short: it exists so one App Home refresh, or one reconcile pass right
    after it, costs one Google call per environment, not one per look. Start/stop forget the entry.
    """

    def __init__(self, deps: Deps, ttl: timedelta = timedelta(seconds=30)) -> None:
        self.deps = deps
        self.ttl = ttl
        self._seen: dict[str, tuple[datetime, CloudStatus]] = {}
        self._lock = threading.Lock()

    def status(self, request: EnvironmentRequest) -> CloudStatus:
        """The cloud's answer for this environment (cached); raises CloudError when Google fails."""
        now = self.deps.clock()
        with self._lock:
            cached = self._seen.get(request.id)
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        status = self.deps.cloud.status(cloud_environment(request, self.deps.policy))
        self.remember(request.id, status)
        return status

    def remember(self, request_id: str, status: CloudStatus) -> None:
        with self._lock:
            self._seen[request_id] = (self.deps.clock(), status)

    def forget(self, request_id: str) -> None:
        with self._lock:
            self._seen.pop(request_id, None)

    def view(self, request: EnvironmentRequest) -> EnvironmentView:
        if request.state not in ASKED:
            return EnvironmentView(request)
        try:
            return EnvironmentView(request, self.status(request))
        except CloudError as e:
            return EnvironmentView(request, cloud_problem=e.message)

    def views(self, requests: list[EnvironmentRequest]) -> list[EnvironmentView]:
        return [self.view(r) for r in requests]
