"""What the workflow needs from the outside: a clock, somewhere to run slow work, and a way to tell people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.cloud.base import Cloud
from bot.config.policy import Policy
from bot.domain.notices import Notice
from bot.domain.request import EnvironmentRequest
from bot.infra.base import InfraRepo
from bot.store.base import Claim as Claim  # the replay claim a job may be written with (re-exported)
from bot.store.base import Store

Clock = Callable[[], datetime]


def failure_key(request: EnvironmentRequest) -> str:
    """The once-key of the admins' alert about a request's current failure (the instant it failed)."""
    return f"failed-{request.updated_at:%Y%m%dT%H%M%S%f}"


class Notifier(Protocol):
    """Tells people what happened. Implemented by the Slack layer; every method is safe to call twice."""

    def request_received(self, request: EnvironmentRequest) -> None:
        """The requester's progress message (posted once, then updated in place)."""

    def approval_needed(self, request: EnvironmentRequest) -> None:
        """The approval card in the admin channel (posted once)."""

    def progress(self, request: EnvironmentRequest) -> None:
        """Updates the requester's progress message and the admin card to the request's current state."""

    def ready(self, request: EnvironmentRequest) -> None:
        """A new message with the JupyterLab URL (sent once)."""

    def tell_owner(self, request: EnvironmentRequest, key: str, notice: Notice) -> None:
        """A new message to the owner where they must act or know (sent once per ``key``)."""

    def alert_admins(self, request: EnvironmentRequest, key: str, notice: Notice) -> None:
        """A message in the admin channel (sent once per ``key``), with a Retry button when it failed."""

    def resend_missing(self, request: EnvironmentRequest) -> int:
        """Sends again the messages this request should have had but has not; returns how many."""


class Claims(Protocol):
    """Send-once across every instance: the first to claim a key sends; a send that failed releases it."""

    def claim(self, key: str, at: datetime) -> bool:
        """True for the one caller that got ``key`` first."""

    def release(self, key: str) -> None:
        """Gives ``key`` back (the send it guarded did not happen)."""


class MessageRefs(Protocol):
    """Where a request's messages are, so that they are updated in place (``bot/workflow/message_refs.py``)."""

    def current(self, request_id: str) -> EnvironmentRequest | None:
        """The request as it is now."""

    def remember(self, request_id: str, **refs: str) -> None:
        """Records where messages were posted (``SlackRefs`` fields)."""


class Background(Protocol):
    def submit(self, name: str, fn: Callable[[], object], lane: str = "default") -> None:
        """Runs ``fn`` after the current Slack request has been acknowledged (``lane="repo"``: work that may
        wait long for the infra repository; ``lane="wait"``: following a start or stop)."""


class Jobs(Protocol):
    """Durable work after the ack (``bot/workflow/jobs.py``): named jobs in the store, run by a worker."""

    def on(self, kind: str, handler: Callable[[str, dict[str, Any]], object]) -> None:
        """Registers what a job of ``kind`` does: ``handler(request_id, args)`` (safe to run twice)."""

    def enqueue(
        self, kind: str, request_id: str, lane: str = "default", *, claim: Claim | None = None, **args: Any
    ) -> bool:
        """Asks for the job, in the store before returning; True if it was not already asked for. With
        ``claim`` (a Slack request's replay claim), only if the claim is taken too."""


@dataclass
class Deps:
    """Everything the workflow works with, injected (the app factory builds it)."""

    policy: Policy
    store: Store
    repo: InfraRepo
    cloud: Cloud
    notifier: Notifier
    clock: Clock
    background: Background
    jobs: Jobs
