"""What the Slack listeners work with (built by the app factory)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.config.policy import Policy
from bot.domain.people import Person
from bot.domain.request import EnvironmentRequest
from bot.slack.people import Directory
from bot.store.base import Store
from bot.workflow.lifecycle import Lifecycle
from bot.workflow.live import EnvironmentView
from bot.workflow.ports import Deps
from bot.workflow.provisioning import Provisioning
from bot.workflow.requests import Requests


@dataclass
class SlackServices:
    deps: Deps
    requests: Requests
    provisioning: Provisioning
    directory: Directory
    # Start, stop, extend, delete, list, audit, retry (None only in a bot built without the lifecycle).
    lifecycle: Lifecycle | None = None
    # Fills in live cloud state for status views (the lifecycle provides it); None shows stored state.
    live_states: Callable[[list[EnvironmentRequest]], list[EnvironmentView]] | None = None

    @property
    def life(self) -> Lifecycle:
        """The lifecycle, for listeners that cannot work without it."""
        assert self.lifecycle is not None, "the app was built without the lifecycle"
        return self.lifecycle

    @property
    def policy(self) -> Policy:
        return self.deps.policy

    @property
    def store(self) -> Store:
        return self.deps.store


@dataclass
class Invocation:
    """One ``/notebook`` subcommand as typed: who, with which words, and how to answer them."""

    services: SlackServices
    person: Person
    args: list[str]
    respond: Respond
    body: dict[str, Any]
    client: WebClient
